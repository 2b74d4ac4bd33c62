//! Request bodies as the API decodes them: any bytes are either a request or a clear
//! error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    frontline::api::fuzzing::decode_request_bodies(data);
});
