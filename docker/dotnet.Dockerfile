# One image recipe for the .NET binaries (miner, validator, explorer, the CLI), built from the repository root:
#   docker build -f docker/dotnet.Dockerfile --build-arg PROJECT=Intelligence.Miner --build-arg ASSEMBLY=intelligence-miner \
#                --build-arg DOTNET_REGISTRY=<registry serving dotnet/sdk and dotnet/aspnet> .
# Multi-stage: the SDK image publishes, the ASP.NET runtime image runs it as the unprivileged user `app`.
ARG DOTNET_REGISTRY
FROM ${DOTNET_REGISTRY}/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
ARG PROJECT
RUN test -n "$PROJECT" && dotnet publish "src/$PROJECT" -c Release -o /app -nologo

FROM ${DOTNET_REGISTRY}/dotnet/aspnet:10.0 AS runtime
ARG ASSEMBLY
ENV INTELLIGENCE_ASSEMBLY=${ASSEMBLY} \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
WORKDIR /app
COPY --from=build --chown=app:app /app .
# The runtime image ships the non-root user `app` (uid 1654); state and wallets live in mounted volumes.
USER app
ENTRYPOINT ["sh", "-c", "exec dotnet \"/app/$INTELLIGENCE_ASSEMBLY.dll\" \"$@\"", "--"]
