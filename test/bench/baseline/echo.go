package main

import (
	"context"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	_ "google.golang.org/grpc/encoding/proto" // registers the codec sizeCodec wraps
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/monhook/monhook/test/bench/answers"
)

// readAnswers loads the captured answers.
func readAnswers(path string) (map[answers.Key][]byte, error) {
	as, err := answers.Read(path)
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, fmt.Errorf("%s holds no answers", path)
	}
	return as, nil
}

// request is a plugin request as the floor reads it: decoded into its generated type, as grpc-go does before any
// handler runs, and its size, which picks the answer.
type request struct {
	msg  proto.Message
	size int
}

// sizeCodec is grpc-go's own codec, which also notes a plugin request's size.
type sizeCodec struct{ base encoding.CodecV2 }

func (c sizeCodec) Name() string { return c.base.Name() }

func (c sizeCodec) Marshal(v any) (mem.BufferSlice, error) { return c.base.Marshal(v) }

func (c sizeCodec) Unmarshal(data mem.BufferSlice, v any) error {
	if r, ok := v.(*request); ok {
		r.size = data.Len()
		return c.base.Unmarshal(data, r.msg)
	}
	return c.base.Unmarshal(data, v)
}

// echoService is sd with every method answered from as, by method and request size; it keeps sd's name and
// file, so reflection describes it as the real service.
func echoService(sd grpc.ServiceDesc, as map[answers.Key][]byte) (*grpc.ServiceDesc, error) {
	fd, err := protoregistry.GlobalFiles.FindFileByPath(sd.Metadata.(string))
	if err != nil {
		return nil, err
	}
	svc := fd.Services().ByName(protoreflect.FullName(sd.ServiceName).Name())
	if svc == nil {
		return nil, fmt.Errorf("%s is not in %s", sd.ServiceName, sd.Metadata)
	}
	out := grpc.ServiceDesc{
		ServiceName: sd.ServiceName,
		HandlerType: (*any)(nil),
		Metadata:    sd.Metadata,
	}
	for _, m := range sd.Methods {
		full := "/" + sd.ServiceName + "/" + m.MethodName
		md := svc.Methods().ByName(protoreflect.Name(m.MethodName))
		if md == nil {
			return nil, fmt.Errorf("%s is not in %s", full, sd.Metadata)
		}
		in, err := protoregistry.GlobalTypes.FindMessageByName(md.Input().FullName())
		if err != nil {
			return nil, err
		}
		outType, err := protoregistry.GlobalTypes.FindMessageByName(md.Output().FullName())
		if err != nil {
			return nil, err
		}
		// Each answer is decoded once into its generated type, and marshaled by grpc-go on every call as any
		// server's answer is: only building it is left out.
		replies := map[int]proto.Message{}
		for k, b := range as {
			if k.Method != full {
				continue
			}
			m := outType.New().Interface()
			if err := proto.Unmarshal(b, m); err != nil {
				return nil, fmt.Errorf("answer to %s: %w", full, err)
			}
			replies[k.RequestBytes] = m
		}
		out.Methods = append(out.Methods, grpc.MethodDesc{
			MethodName: m.MethodName,
			Handler: func(_ any, _ context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
				r := request{msg: in.New().Interface()}
				if err := dec(&r); err != nil {
					return nil, err
				}
				a, ok := replies[r.size]
				if !ok {
					return nil, status.Errorf(codes.Unimplemented, "no captured answer to %s with %d request bytes", full, r.size)
				}
				return a, nil
			},
		})
	}
	return &out, nil
}
