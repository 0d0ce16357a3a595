package grpc

import (
	"errors"
	"io"
	"sync/atomic"

	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/encoding/gzip" // registered by a dependency anyway; imported so that init below runs after it
)

// gzipAccepted says whether requests may come gzip-compressed (the compression setting). grpc-go decompresses a
// request with any compressor registered in the process, and the OTLP exporter's dependencies register gzip, so
// without this gate any caller could send a small body that inflates to max_recv_msg_size.
var gzipAccepted atomic.Bool

// errCompressionOff is the answer to a compressed request while compression is off. grpc-go reports a failed
// decompression as INTERNAL "grpc: failed to decompress the received message: ...", followed by this text.
var errCompressionOff = errors.New("ERROR_COMPRESSION_NOT_ACCEPTED: this plugin accepts only uncompressed requests (its compression setting is off); send the request without grpc-encoding")

// gatedGzip is grpc-go's gzip compressor behind gzipAccepted. Its output is bounded by grpc-go, which inflates
// at most max_recv_msg_size+1 bytes before refusing the message.
type gatedGzip struct{ encoding.Compressor }

func (g gatedGzip) Decompress(r io.Reader) (io.Reader, error) {
	if !gzipAccepted.Load() {
		return nil, errCompressionOff
	}
	return g.Compressor.Decompress(r)
}

// Registration must happen at init time (grpc-go's registry is not safe for later writes); this package imports
// gzip, so its init has run and the gate replaces it.
func init() {
	encoding.RegisterCompressor(gatedGzip{encoding.GetCompressor(gzip.Name)})
}
