<#
.SYNOPSIS
  Restore, build, test, publish or run the cluster simulator: a thin wrapper over the `dotnet`
  commands README.md shows, for people on Windows.
.EXAMPLE
  ./build.ps1 test
  ./build.ps1 run -- node run --name n1
#>
param(
    [ValidateSet('restore', 'build', 'test', 'publish', 'run')]
    [string]$Target = 'build',
    [string]$Configuration = 'Release',
    [Parameter(ValueFromRemainingArguments = $true)]
    [string[]]$Rest = @()
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

switch ($Target) {
    'restore' { Invoke-Dotnet restore Cluster.sln }
    'build'   { Invoke-Dotnet build Cluster.sln -c $Configuration }
    'test'    { Invoke-Dotnet test Cluster.sln -c $Configuration --blame-hang-timeout 300s --blame-hang-dump-type none }
    'publish' { Invoke-Dotnet publish Cluster.Service -c $Configuration -o artifacts/cluster }
    'run'     { Invoke-Dotnet run --project Cluster.Service -c $Configuration -- @Rest }
}
