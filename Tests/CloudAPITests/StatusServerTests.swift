import Testing

@testable import CloudAPI

@Suite struct StatusServerTests {
    @Test(arguments: [
        (nil as String?, false), ("gzip", true), ("gzip, deflate", true), ("deflate, gzip;q=0.5", true),
        ("gzip;q=0", false), ("identity", false), ("*", true), ("br, gzip ; q=0.0", false),
    ])
    func acceptEncodingDecidesGzip(header: String?, gzip: Bool) {
        #expect(StatusServer.acceptsGzip(header) == gzip)
    }
}
