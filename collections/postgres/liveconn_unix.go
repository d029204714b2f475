//go:build unix

package postgres

import (
	"errors"
	"net"
	"syscall"
)

// peekAlive looks at what is waiting on a socket without reading it or
// waiting: nothing (the server is there), the end of the stream or an
// error (it is gone), or a message; an error message from a server that
// nobody asked anything means the server is ending the session.
func peekAlive(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	alive := true
	err = raw.Read(func(fd uintptr) bool {
		var b [1]byte
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, syscall.EINTR):
		case err != nil || n == 0:
			alive = false
		default:
			// An idle connection is sent nothing unless the server is
			// ending it (an error, perhaps inside TLS, so unreadable here).
			alive = false
		}
		return true
	})
	return err == nil && alive
}
