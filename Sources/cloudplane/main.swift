import Foundation
import Logging

// Log lines go through a buffer written every 50 ms (warnings at once, the rest at exit).
LoggingSystem.bootstrap { BufferedLogHandler(label: $0) }
atexit { LogSink.shared.flush() }
await CloudplaneCommand.runMain()
LogSink.shared.flush()
