package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// loadTestServerEnv makes the test binary a server for the load test.
const loadTestServerEnv = "OWED_TEST_HTTP_SERVER"

// testHandler stands for the bot's routes: /healthz answers at once, and
// /slack/ reads the whole body first, as the signature check does.
func testHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("POST /slack/", func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20)); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		io.WriteString(w, "ack\n")
	})
	return mux
}

// TestHTTPServer_LoadTestServer is the server process of the load test: it
// serves newHTTPServer on loopback, prints its address, and stops when its
// stdin closes.
func TestHTTPServer_LoadTestServer(t *testing.T) {
	if os.Getenv(loadTestServerEnv) == "" {
		t.Skip("run by TestHTTPServer_HealthzAnswersDuring10000IdleConnections")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(testHandler())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	fmt.Printf("listening on %s\n", ln.Addr())
	io.Copy(io.Discard, os.Stdin)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		t.Fatal(err)
	}
}

// A flood of idle and slow-body connections neither stops /healthz from
// answering nor grows the server's memory: 10,000 connections (1,000 of them
// stuck sending their body) held open against a server in its own process,
// whose peak resident memory is read from /proc.
func TestHTTPServer_HealthzAnswersDuring10000IdleConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	const conns, slowBodies, maxRSS = 10000, 1000, 100 << 20
	raiseOpenFileLimit(t, conns+1000)

	cmd := exec.Command(os.Args[0], "-test.run=^TestHTTPServer_LoadTestServer$", "-test.count=1")
	// The server needs no database: a URL keeps TestMain from starting one.
	cmd.Env = append(os.Environ(), loadTestServerEnv+"=1", "TEST_DATABASE_URL=unused")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("server process: %v", err)
		}
	})
	out := bufio.NewReader(stdout)
	line, err := out.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "listening on ") {
		t.Fatalf("server did not start: %q %v", line, err)
	}
	go io.Copy(io.Discard, out)
	addr := strings.TrimSpace(strings.TrimPrefix(line, "listening on "))

	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	healthz := func(when string) {
		t.Helper()
		began := time.Now()
		resp, err := client.Get("http://" + addr + "/healthz")
		if err != nil {
			t.Fatalf("/healthz %s: %v", when, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/healthz %s: %s", when, resp.Status)
		}
		if took := time.Since(began); took > time.Second {
			t.Errorf("/healthz %s took %v", when, took)
		}
	}

	// Every connection of the flood stays open until the test ends.
	var (
		mu   sync.Mutex
		held []net.Conn
	)
	t.Cleanup(func() {
		for _, c := range held {
			c.Close()
		}
	})
	flood := func(from, to int) {
		t.Helper()
		next := make(chan int, to-from)
		for i := from; i < to; i++ {
			next <- i
		}
		close(next)
		errs := make(chan error, 32)
		var wg sync.WaitGroup
		for range 32 {
			wg.Go(func() {
				for i := range next {
					c, err := net.DialTimeout("tcp", addr, 5*time.Second)
					if err != nil {
						errs <- fmt.Errorf("connection %d: %w", i, err)
						return
					}
					if i < slowBodies {
						// Headers and the start of a body whose rest never comes.
						fmt.Fprintf(c, "POST /slack/commands HTTP/1.1\r\nHost: owed\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\ntext=%s", bodyStart)
					}
					mu.Lock()
					held = append(held, c)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	began := time.Now()
	var quarterRSS uint64
	for step := 0; step < conns; step += conns / 4 {
		flood(step, step+conns/4)
		healthz(fmt.Sprintf("with %d connections opened", step+conns/4))
		if step == 0 {
			_, quarterRSS = procMemory(t, cmd.Process.Pid)
		}
	}
	t.Logf("%d connections opened in %v", conns, time.Since(began).Round(time.Millisecond))

	hwm, rss := procMemory(t, cmd.Process.Pid)
	fds, err := os.ReadDir("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/fd")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("server: %d open files; VmHWM %d MB, VmRSS %d MB (%d MB at %d connections)", len(fds), hwm>>20, rss>>20, quarterRSS>>20, conns/4)
	if hwm > maxRSS {
		t.Errorf("server peak resident memory %d MB, want under %d MB", hwm>>20, maxRSS>>20)
	}
	// Memory and open files stay flat once the cap is reached.
	if rss > quarterRSS+20<<20 {
		t.Errorf("server memory grew from %d MB to %d MB between %d and %d connections", quarterRSS>>20, rss>>20, conns/4, conns)
	}
	if len(fds) > maxConns+100 {
		t.Errorf("server holds %d open files, want at most about %d", len(fds), maxConns)
	}
}

// bodyStart is what a slow client sends of its body before it stalls.
var bodyStart = strings.Repeat("x", 4<<10)

// raiseOpenFileLimit lifts the soft limit on open files to at least n (the
// hard limit allowing), for this process and the processes it starts.
func raiseOpenFileLimit(t *testing.T, n uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur >= n {
		return
	}
	if lim.Max < n {
		t.Skipf("the hard limit on open files is %d; the load test needs %d", lim.Max, n)
	}
	raised := syscall.Rlimit{Cur: n, Max: lim.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim) })
}

// procMemory returns a process's peak and current resident memory in bytes.
func procMemory(t *testing.T, pid int) (hwm, rss uint64) {
	t.Helper()
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok || (name != "VmHWM" && name != "VmRSS") {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if name == "VmHWM" {
			hwm = kb << 10
		} else {
			rss = kb << 10
		}
	}
	return hwm, rss
}

// serveLimited serves handler with a connection cap of max on loopback.
func serveLimited(t *testing.T, handler http.Handler, max int) (string, *connLimiter) {
	t.Helper()
	srv, l := limitedServer(handler, max)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return ln.Addr().String(), l
}

// dial opens a connection and waits until the server holds it.
func dial(t *testing.T, addr string, l *connLimiter, held int, send string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if send != "" {
		io.WriteString(c, send)
	}
	l.await(func(open int) bool { return open == held })
	return c
}

// closedByServer reports whether the server closed c (and reads nothing).
func closedByServer(t *testing.T, c net.Conn) bool {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := c.Read(make([]byte, 1))
	if n > 0 {
		t.Fatalf("read %d bytes from a connection that sent no request", n)
	}
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

func get(t *testing.T, addr, path string) string {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get("http://" + addr + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.Status + " " + string(body)
}

func TestHTTPServer_AtTheCapANewConnectionEvictsTheOldestIdleOne(t *testing.T) {
	t.Parallel()
	addr, l := serveLimited(t, testHandler(), 2)
	oldest := dial(t, addr, l, 1, "")
	newer := dial(t, addr, l, 2, "GET /heal") // headers still coming

	if got := get(t, addr, "/healthz"); got != "200 OK ok\n" {
		t.Fatalf("/healthz at the cap: %q", got)
	}
	if !closedByServer(t, oldest) {
		t.Error("the oldest idle connection was not closed")
	}
	// The newer one is still held: its request completes.
	io.WriteString(newer, "thz HTTP/1.1\r\nHost: owed\r\nConnection: close\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(newer), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the newer connection: %v %v", resp, err)
	}
}

func TestHTTPServer_ASlowBodyIsEvictedButABusyHandlerIsNot(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}), make(chan struct{})
	mux := http.NewServeMux()
	mux.Handle("/", testHandler())
	mux.HandleFunc("POST /work", func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		close(entered)
		<-release
		io.WriteString(w, "done\n")
	})
	addr, l := serveLimited(t, mux, 2)

	// A request whose handler is working keeps its connection.
	busy := dial(t, addr, l, 1, "POST /work HTTP/1.1\r\nHost: owed\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
	<-entered
	// A slow body does not.
	slow := dial(t, addr, l, 2, "POST /slack/commands HTTP/1.1\r\nHost: owed\r\nContent-Length: 100\r\n\r\ntext=")
	if got := get(t, addr, "/healthz"); got != "200 OK ok\n" {
		t.Fatalf("/healthz at the cap: %q", got)
	}
	if !closedByServer(t, slow) {
		t.Error("the slow body's connection was not closed")
	}
	close(release)
	resp, err := http.ReadResponse(bufio.NewReader(busy), nil)
	if err != nil {
		t.Fatalf("the busy request lost its connection: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "done\n" {
		t.Errorf("busy request answered %q", body)
	}
}

func TestHTTPServer_AConnectionJustServedIsEvictedLast(t *testing.T) {
	t.Parallel()
	addr, l := serveLimited(t, testHandler(), 2)
	used := dial(t, addr, l, 1, "")
	unused := dial(t, addr, l, 2, "")
	// The first connection serves a request and stays open (keep-alive).
	io.WriteString(used, "GET /healthz HTTP/1.1\r\nHost: owed\r\n\r\n")
	br := bufio.NewReader(used)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("keep-alive request: %v %v", resp, err)
	}
	io.Copy(io.Discard, resp.Body)

	if got := get(t, addr, "/healthz"); got != "200 OK ok\n" {
		t.Fatalf("/healthz at the cap: %q", got)
	}
	if !closedByServer(t, unused) {
		t.Error("the connection never used was not the one closed")
	}
	io.WriteString(used, "GET /healthz HTTP/1.1\r\nHost: owed\r\nConnection: close\r\n\r\n")
	if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("the recently used connection was closed: %v %v", resp, err)
	}
}
