//! Examples live under `examples/` as cargo examples.
