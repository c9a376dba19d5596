//! A throwaway surface on the kit, driven over loopback like a real client would.

mod hardening;
mod skeleton;
mod surface;
