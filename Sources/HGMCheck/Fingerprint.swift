import HGMModel

/// 64-bit fingerprint of a packed state (wyhash-style multiply-mix over 64-bit chunks).
/// Distinct states collide with probability about n²/2⁶⁵ for n states; a collision could
/// hide a state, which is the usual, stated risk of fingerprint-based model checking.
@inline(__always)
public func fingerprint(_ s: UnsafePointer<Word>, _ count: Int) -> UInt64 {
    // Four independent lanes of 64-bit chunks, so the multiplies do not wait on each other.
    let p = UnsafeRawPointer(s)
    let bytes = count * 4
    var a: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(count)
    var b: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    var c: UInt64 = 0x1656_67B1_9E37_79F9
    var d: UInt64 = 0x85EB_CA77_C2B2_AE63
    var i = 0
    while i + 32 <= bytes {
        a = mix(a ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self), 0xA076_1D64_78BD_642F)
        b = mix(b ^ p.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self), 0xE703_7ED1_A0B4_28DB)
        c = mix(c ^ p.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self), 0x8EBC_6AF0_9C88_C6E3)
        d = mix(d ^ p.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self), 0x5899_65CC_7537_4CC3)
        i += 32
    }
    while i + 8 <= bytes {
        a = mix(a ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self), 0x1D8E_4E27_C47D_124F)
        i += 8
    }
    if i < bytes {
        b = mix(b ^ UInt64(p.loadUnaligned(fromByteOffset: i, as: UInt32.self)), 0xA076_1D64_78BD_642F)
    }
    var h = mix(a ^ (b &+ 0x9E37_79B9_7F4A_7C15), 0xE703_7ED1_A0B4_28DB) ^ mix(c ^ (d &+ 0x6A09_E667_F3BC_C909), 0x8EBC_6AF0_9C88_C6E3)
    h = mix(h, 0xA076_1D64_78BD_642F)
    return h == 0 ? 1 : h
}

@inline(__always) func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
    let r = a.multipliedFullWidth(by: b)
    return r.high ^ r.low
}
