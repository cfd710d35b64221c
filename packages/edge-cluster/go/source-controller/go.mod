module helmmec.local/edge-cluster/source-controller

go 1.26

require github.com/fluxcd/source-controller v1.7.3

// Copied pin from upstream's go.mod (provides go-digest/blake3).
replace github.com/opencontainers/go-digest => github.com/opencontainers/go-digest v1.0.1-0.20220411205349-bde1400a84be

tool github.com/fluxcd/source-controller
