//! Tests of the whole opener: the real troubleshoot sample, every collector
//! layout, hostile input, and random damage.

mod hostile;
mod layouts;
mod robust;
mod sample;
mod support;
