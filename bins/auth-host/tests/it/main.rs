//! Integration tests of the auth host.
