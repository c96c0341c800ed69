global using Intelligence.Protocol.Bench;
