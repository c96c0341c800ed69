# Deploys the contracts once with contracts/script/Deploy.s.sol (the script the devnet and `intelligence network deploy`
# use) and leaves the addresses JSON in /deploy/addresses.json for the nodes. Foundry and solc-js come from npm, as in
# tools/bootstrap.sh. Runs as the image's unprivileged `node` user.
FROM node:20-bookworm-slim AS tools
WORKDIR /opt/intelligence
COPY tools/npm/package.json tools/npm/package-lock.json .tools/npm/
RUN npm ci --prefix .tools/npm --ignore-scripts --no-audit --no-fund \
 && mkdir -p .tools/bin \
 && for t in anvil forge cast; do ln -s "../npm/node_modules/@foundry-rs/$t-linux-amd64/bin/$t" ".tools/bin/$t"; done

FROM node:20-bookworm-slim
WORKDIR /opt/intelligence
COPY --from=tools /opt/intelligence/.tools .tools
COPY tools/solc-shim.js tools/solc-shim.js
COPY contracts contracts
RUN printf '#!/bin/sh\nexec node "$(dirname "$0")/../../tools/solc-shim.js" "$@"\n' > .tools/bin/solc && chmod +x .tools/bin/solc \
 && mkdir -p /deploy contracts/deployments contracts/cache contracts/out \
 && chown -R node:node /deploy contracts
USER node
WORKDIR /opt/intelligence/contracts
ENV RPC_URL=http://anvil:8545
ENTRYPOINT ["sh", "-c", "../.tools/bin/forge script script/Deploy.s.sol --rpc-url \"$RPC_URL\" --broadcast --silent && cp deployments/addresses.json /deploy/addresses.json && cat /deploy/addresses.json"]
