// The hot arithmetic declares many out/ref locals and stackalloc buffers that are always written before
// they are read; skipping their zero-initialisation removes a large share of the field multiply's cost.
[module: System.Runtime.CompilerServices.SkipLocalsInit]
