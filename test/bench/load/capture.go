package main

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"

	"github.com/monhook/monhook/test/bench/answers"
)

// capture starts s, makes each cell's call once and writes monhook's answers, as bytes, to path for the floor.
func capture(ctx context.Context, s server, cells []cell, path string, timeout time.Duration) error {
	p, _, err := s.start(ctx)
	if err != nil {
		return err
	}
	defer p.stop()
	var as []answers.Answer
	seen := map[string]bool{}
	for _, c := range cells {
		if seen[c.name] {
			continue // the same call at another number of callers
		}
		seen[c.name] = true
		var resp []byte
		cctx, cancel := context.WithTimeout(ctx, timeout)
		err := p.conn.Invoke(cctx, c.method, c.req, &resp, grpc.ForceCodecV2(keepBytes{}))
		cancel()
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		if err := proto.Unmarshal(resp, c.reply()); err != nil {
			return fmt.Errorf("%s: the answer does not decode: %w", c.name, err)
		}
		as = append(as, answers.Answer{Method: c.method, RequestBytes: proto.Size(c.req), Response: resp})
	}
	return answers.Write(path, as)
}

// keepBytes encodes requests as grpc-go does and keeps the answer's bytes as they came.
type keepBytes struct{}

func (keepBytes) Name() string { return "proto" }

func (keepBytes) Marshal(v any) (mem.BufferSlice, error) {
	m, ok := v.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("keepBytes: cannot encode %T", v)
	}
	b, err := proto.Marshal(m)
	return mem.BufferSlice{mem.SliceBuffer(b)}, err
}

func (keepBytes) Unmarshal(data mem.BufferSlice, v any) error {
	b, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("keepBytes: cannot decode into %T", v)
	}
	*b = data.Materialize()
	return nil
}
