import CloudBench
import Testing

@testable import CloudSim

/// A reference future-event set: a sorted array, obviously correct and slow.
struct ReferenceQueue {
    var items: [Event] = []
    mutating func push(_ e: Event) { items.append(e) }
    mutating func pop() -> Event? {
        guard let i = items.indices.min(by: { (items[$0].time, items[$0].seq) < (items[$1].time, items[$1].seq) })
        else { return nil }
        return items.remove(at: i)
    }
}

@Suite struct FutureEventSetTests {
    @Test(arguments: [(UInt64(1), 10, UInt64(1_000)), (2, 300, 5), (3, 600, 2_000_000_000), (4, 50, 0)])
    func popsInTimeThenSequenceOrder(seed: UInt64, pending: Int, spread: UInt64) {
        var rng = Xoshiro256StarStar(seed: seed)
        var fes = FutureEventSet()
        var ref = ReferenceQueue()
        var seq: UInt64 = 0
        var now: UInt64 = 0
        func push(_ t: UInt64) {
            let e = Event(time: t, seq: seq, arg: UInt32(seq & 0xFFFF), kind: 1)
            seq += 1
            fes.push(e)
            ref.push(e)
        }
        for _ in 0..<pending { push(spread == 0 ? 0 : rng.below(spread)) }
        for step in 0..<(pending * 20) {
            let a = fes.pop()
            let b = ref.pop()
            #expect(a == b, "step \(step)")
            guard let e = a else { break }
            now = e.time
            // mix zero-delay, short and long delays, sometimes two events
            let pushes = step % 7 == 0 ? 2 : (step % 11 == 0 ? 0 : 1)
            for k in 0..<pushes {
                let d: UInt64 = k == 1 || spread == 0 ? 0 : rng.below(spread * 2) + (step % 3 == 0 ? 0 : 1)
                push(now + d)
            }
            let count = fes.count
            #expect(count == ref.items.count)
        }
    }

    @Test func sameTimeEventsComeOutFirstInFirstOut() {
        var fes = FutureEventSet()
        for s in 0..<100 { fes.push(Event(time: UInt64(500 - s % 2), seq: UInt64(s), arg: 0, kind: 0)) }
        var last: (UInt64, UInt64) = (0, 0)
        while let e = fes.pop() {
            #expect((e.time, e.seq) > last || last == (0, 0))
            last = (e.time, e.seq)
        }
        let empty = fes.isEmpty
        #expect(empty)
    }

    @Test func steadyStateAllocatesNoPages() {
        var model = HoldModel(pending: 10_000, seed: 9)
        model.run(events: 20_000)
        let before = model.kernel.queueBytes
        model.run(events: 200_000)
        let after = model.kernel.queueBytes
        let pending = model.kernel.pending
        let perEvent = model.bytesPerPendingEvent
        #expect(after == before)
        #expect(pending == 10_000)
        #expect(perEvent <= 32)
    }
}
