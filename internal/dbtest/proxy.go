package dbtest

import (
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Proxy stands between a client and the test server: Cut closes every
// connection and refuses new ones until Restore, as a restart does.
type Proxy struct {
	url    string
	target func() (net.Conn, error)
	ln     net.Listener

	mu    sync.Mutex
	down  bool
	n     int
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

// NewProxy starts a proxy to the server of the database URL raw; its URL
// reaches the same database through it.
func NewProxy(t testing.TB, raw string) *Proxy {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	host, port := q.Get("host"), q.Get("port")
	if host == "" {
		host, port = u.Hostname(), u.Port()
	}
	if port == "" {
		port = "5432"
	}
	p := &Proxy{conns: map[net.Conn]bool{}}
	if strings.HasPrefix(host, "/") {
		sock := filepath.Join(host, ".s.PGSQL."+port)
		p.target = func() (net.Conn, error) { return net.Dial("unix", sock) }
	} else {
		addr := net.JoinHostPort(host, port)
		p.target = func() (net.Conn, error) { return net.Dial("tcp", addr) }
	}
	if p.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	q.Del("host")
	q.Del("port")
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	u.Host, u.RawQuery = p.ln.Addr().String(), q.Encode()
	p.url = u.String()
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		p.ln.Close()
		p.Cut()
		p.wg.Wait()
	})
	return p
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		s, err := p.target()
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[s] = true, true
		p.mu.Unlock()
		p.wg.Add(2)
		pipe := func(dst, src net.Conn) {
			defer p.wg.Done()
			io.Copy(dst, src)
			dst.Close()
			src.Close()
		}
		go pipe(c, s)
		go pipe(s, c)
	}
}

// Cut closes every connection and refuses new ones.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.down {
		p.n++
	}
	p.down = true
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// Restore lets new connections through again.
func (p *Proxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

// Cuts returns how many times the proxy was cut.
func (p *Proxy) Cuts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// URL is the database URL through the proxy.
func (p *Proxy) URL() string { return p.url }
