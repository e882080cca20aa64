package mockapi

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// Codex talks to the Responses API over a WebSocket first (GET /v1/responses with an
// Upgrade), sending one {"type":"response.create",…} text message per turn and reading the
// same events the streamed HTTP answer carries, one JSON text message each. This is the
// least of RFC 6455 that needs: no extensions, text and control frames only.

const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

func isWebSocket(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.EqualFold(r.Header.Get("Upgrade"), "websocket") &&
		r.Header.Get("Sec-WebSocket-Key") != ""
}

// responsesWebSocket serves one Responses WebSocket connection until the client closes it.
func responsesWebSocket(w http.ResponseWriter, r *http.Request) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "mockapi: cannot upgrade", http.StatusInternalServerError)
		return
	}
	sum := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + wsGUID))
	conn, rw, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(connTimeout))
	rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
		base64.StdEncoding.EncodeToString(sum[:]) + "\r\n\r\n")
	if rw.Flush() != nil {
		return
	}
	ws := &wsConn{r: rw.Reader, w: rw.Writer}
	for {
		op, msg, err := ws.read()
		if err != nil {
			return
		}
		switch op {
		case 0x8: // close
			ws.write(0x8, nil)
			return
		case 0x9: // ping
			ws.write(0xA, msg)
		case 0x1, 0x2:
			var m struct {
				Type  string `json:"type"`
				Model string `json:"model"`
			}
			if json.Unmarshal(msg, &m) != nil || m.Type != "response.create" {
				continue
			}
			for _, ev := range responseEvents(m.Model) {
				b, _ := json.Marshal(ev.data)
				if ws.write(0x1, b) != nil {
					return
				}
			}
		}
	}
}

type wsConn struct {
	r *bufio.Reader
	w *bufio.Writer
}

// read returns the next whole message (fragments joined), at most MaxBody bytes.
func (c *wsConn) read() (byte, []byte, error) {
	var op byte
	var msg []byte
	for {
		var h [2]byte
		if _, err := io.ReadFull(c.r, h[:]); err != nil {
			return 0, nil, err
		}
		fin, code := h[0]&0x80 != 0, h[0]&0x0F
		n := uint64(h[1] & 0x7F)
		switch n {
		case 126:
			var b [2]byte
			if _, err := io.ReadFull(c.r, b[:]); err != nil {
				return 0, nil, err
			}
			n = uint64(binary.BigEndian.Uint16(b[:]))
		case 127:
			var b [8]byte
			if _, err := io.ReadFull(c.r, b[:]); err != nil {
				return 0, nil, err
			}
			n = binary.BigEndian.Uint64(b[:])
		}
		if n > MaxBody || uint64(len(msg))+n > MaxBody {
			return 0, nil, errors.New("websocket message too large")
		}
		var mask [4]byte
		masked := h[1]&0x80 != 0
		if masked {
			if _, err := io.ReadFull(c.r, mask[:]); err != nil {
				return 0, nil, err
			}
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(c.r, payload); err != nil {
			return 0, nil, err
		}
		if masked {
			for i := range payload {
				payload[i] ^= mask[i%4]
			}
		}
		if code >= 0x8 { // control frames come whole, even between fragments
			return code, payload, nil
		}
		if code != 0 {
			op = code
		}
		msg = append(msg, payload...)
		if fin {
			return op, msg, nil
		}
	}
}

func (c *wsConn) write(op byte, payload []byte) error {
	c.w.WriteByte(0x80 | op)
	switch n := len(payload); {
	case n < 126:
		c.w.WriteByte(byte(n))
	case n <= 0xFFFF:
		c.w.WriteByte(126)
		binary.Write(c.w, binary.BigEndian, uint16(n))
	default:
		c.w.WriteByte(127)
		binary.Write(c.w, binary.BigEndian, uint64(n))
	}
	c.w.Write(payload)
	return c.w.Flush()
}
