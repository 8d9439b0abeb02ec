import Foundation
import LinuxNet
import Testing

@Suite("FileDescriptor: one owner, closed once, typed errors")
struct FileDescriptorTests {
    private func temporaryPath() -> String {
        NSTemporaryDirectory() + "lxcdiag-fd-\(UInt32.random(in: 0..<UInt32.max))"
    }

    @Test("write then read back a file whole; close twice is harmless and later calls fail with EBADF")
    func readWrite() throws {
        let path = temporaryPath()
        defer { try? FileSystem.removeFile(path) }
        let file = try FileDescriptor.open(path, flags: O_CREAT | O_RDWR | O_TRUNC, mode: 0o600)
        try file.write(Array("hello, descriptor\n".utf8))
        file.close()
        file.close()
        #expect(file.isClosed)
        #expect(throws: SystemError.self) { try file.write([1]) }
        let again = try FileDescriptor.open(path, flags: O_RDONLY)
        #expect(String(decoding: try again.readToEnd(), as: UTF8.self) == "hello, descriptor\n")
        #expect(try again.read(upTo: 16).isEmpty)
    }

    @Test("a missing file is a SystemError naming the path with ENOENT")
    func missing() {
        let path = temporaryPath() + "/nope"
        do {
            _ = try FileDescriptor.open(path, flags: O_RDONLY)
            Issue.record("opened \(path)")
        } catch {
            #expect(error.code == ENOENT && error.operation.contains(path))
        }
    }

    @Test("poll: an empty FIFO times out, one with data is readable")
    func poll() throws {
        let path = temporaryPath()
        #expect(mkfifo(path, 0o600) == 0)
        defer { try? FileSystem.removeFile(path) }
        let reader = try FileDescriptor.open(path, flags: O_RDONLY | O_NONBLOCK)
        let writer = try FileDescriptor.open(path, flags: O_WRONLY | O_NONBLOCK)
        #expect(try reader.poll(.readable, timeoutMilliseconds: 10).isEmpty)
        var empty = [UInt8](repeating: 0, count: 4)
        #expect(throws: SystemError.self) { try reader.read(into: &empty) }
        try writer.write([7, 8, 9])
        #expect(try reader.poll(.readable, timeoutMilliseconds: 1000).contains(.readable))
        #expect(try reader.read(upTo: 8) == [7, 8, 9])
    }

    @Test("flock: a second descriptor cannot take the lock the first holds, and can once it is closed")
    func lock() throws {
        let path = temporaryPath()
        defer { try? FileSystem.removeFile(path) }
        let first = try FileDescriptor.open(path, flags: O_CREAT | O_RDWR)
        let second = try FileDescriptor.open(path, flags: O_RDWR)
        #expect(try first.lock(wait: false))
        #expect(try !second.lock(wait: false))
        #expect(try first.identity() == FileSystem.identity(of: path))
        first.close()
        #expect(try second.lock(wait: false))
    }
}
