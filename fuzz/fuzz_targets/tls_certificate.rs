//! tls::certificate_info on arbitrary DER (x509-parser underneath, plus our own field
//! extraction, time formatting and key-size logic).
#![no_main]

use arcaudit::tls::certificate_info;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let info = certificate_info(data);
    assert_eq!(info.der_len, data.len());
    std::hint::black_box(serde_json::to_string(&*info).unwrap());
});
