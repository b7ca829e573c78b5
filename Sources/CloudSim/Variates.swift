/// Deterministic random variates. They use only IEEE-754 `+ - * /` and `sqrt` (all correctly
/// rounded), never the platform's libm, so a seed gives bit-identical draws on every platform.
public enum Variates {
    static let ln2Hi = 6.93147180369123816490e-01
    static let ln2Lo = 1.90821492927058770002e-10

    /// Natural logarithm of a positive finite `x`, accurate to about 1 ulp.
    public static func log(_ x: Double) -> Double {
        precondition(x > 0 && x.isFinite, "log needs a positive finite argument")
        var e = Int(x.exponent)
        var m = x.significand  // in [1, 2)
        if m > 1.4142135623730951 {
            m *= 0.5
            e += 1
        }
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        // 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), |s| < 0.1716; Horner from the highest term
        var poly = 1.0 / 25.0
        var k = 23.0
        while k >= 3 {
            poly = 1.0 / k + s2 * poly
            k -= 2
        }
        let logm = 2 * s + 2 * s * (s2 * poly)
        let de = Double(e)
        return de * ln2Hi + (logm + de * ln2Lo)
    }

    /// e^x for finite `x`, accurate to about 1 ulp; overflows to +inf and underflows to 0.
    public static func exp(_ x: Double) -> Double {
        if x > 709.78 { return .infinity }
        if x < -745.0 { return 0 }
        let k = (x / 0.6931471805599453).rounded(.toNearestOrEven)
        let r = (x - k * ln2Hi) - k * ln2Lo
        // Taylor series to degree 14, |r| <= 0.347, Horner form: 1 + r(1 + r/2(1 + r/3(...)))
        var sum = 1.0
        var n = 14.0
        while n >= 1 {
            sum = 1 + r * sum / n
            n -= 1
        }
        var ki = Int(k)
        var result = sum
        // scale by 2^k in steps that stay within the normal range
        while ki > 1000 {
            result *= 0x1p1000
            ki -= 1000
        }
        while ki < -1000 {
            result *= 0x1p-1000
            ki += 1000
        }
        return result * Double(sign: .plus, exponent: ki, significand: 1)
    }

    /// Exponential with the given mean.
    public static func exponential(mean: Double, using rng: inout Xoshiro256StarStar) -> Double {
        -mean * log(1 - rng.unitInterval())
    }

    /// Weibull with shape `k` and scale `lambda`: `lambda * (-ln(1-U))^(1/k)`.
    public static func weibull(shape k: Double, scale lambda: Double, using rng: inout Xoshiro256StarStar) -> Double {
        let e = -log(1 - rng.unitInterval())
        if e == 0 { return 0 }
        return lambda * exp(log(e) / k)
    }

    /// A standard normal draw (Marsaglia's polar method; rejection keeps it exact and portable).
    public static func standardNormal(using rng: inout Xoshiro256StarStar) -> Double {
        while true {
            let u = 2 * rng.unitInterval() - 1
            let v = 2 * rng.unitInterval() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 { return u * (-2 * log(s) / s).squareRoot() }
        }
    }

    /// Log-normal: `exp(mu + sigma * Z)`.
    public static func logNormal(mu: Double, sigma: Double, using rng: inout Xoshiro256StarStar) -> Double {
        exp(mu + sigma * standardNormal(using: &rng))
    }

    /// A log-normal parameterised by its median and the ratio p99/median, the way operators state
    /// latencies ("BMC answers in 300 ms, 2 s at p99"). Returns nanoseconds, rounded.
    public static func latencyNanoseconds(
        median: UInt64, p99Ratio: Double, using rng: inout Xoshiro256StarStar
    ) -> UInt64 {
        // z(0.99) = 2.3263478740408408
        let sigma = p99Ratio > 1 ? log(p99Ratio) / 2.3263478740408408 : 0
        let v = Double(median) * exp(sigma * standardNormal(using: &rng))
        return v >= 1.8e19 ? UInt64.max / 2 : UInt64(v.rounded(.toNearestOrEven))
    }
}
