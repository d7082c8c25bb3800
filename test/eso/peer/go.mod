module hush.dev/test/eso-peer

go 1.24.2

require github.com/external-secrets/external-secrets v0.16.2

// ESO's own go.mod carries this replace; a replace only binds in the main module, so the
// wrapper repeats it (without it the build would pick upstream Sprig, not ESO's fork).
replace github.com/Masterminds/sprig/v3 => github.com/external-secrets/sprig/v3 v3.3.0
