package grpc

import (
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/monhook/monhook/domain/option"
)

// Limits bound a request document before it is converted and handed to a use case.
type Limits struct {
	MaxDepth int // nesting levels, the document itself being level 1
	MaxSize  int // bytes, protobuf-encoded
}

// asMap turns the request field named key into the plain map a use case takes. A nil Struct stays nil, which
// the use case reads as "absent", not as "{}". A document over the limits is refused before it is walked.
func asMap(key string, s *structpb.Struct, l Limits) (map[string]any, error) {
	if s == nil {
		return nil, nil
	}
	if n := proto.Size(s); n > l.MaxSize {
		return nil, invalid(key, fmt.Sprintf("is %d bytes encoded; at most %d are allowed", n, l.MaxSize))
	}
	if structDeeper(s, 1, l.MaxDepth) {
		return nil, invalid(key, fmt.Sprintf("nests deeper than %d levels", l.MaxDepth))
	}
	return s.AsMap(), nil
}

func invalid(key, reason string) error {
	return &option.Error{Violations: []option.Violation{{Kind: option.Invalid, Key: key, Reason: reason}}}
}

// structDeeper reports whether s, at level depth, nests beyond max; it stops as soon as it knows.
func structDeeper(s *structpb.Struct, depth, max int) bool {
	if depth > max {
		return true
	}
	for _, v := range s.GetFields() {
		if valueDeeper(v, depth, max) {
			return true
		}
	}
	return false
}

func valueDeeper(v *structpb.Value, depth, max int) bool {
	switch k := v.GetKind().(type) {
	case *structpb.Value_StructValue:
		return structDeeper(k.StructValue, depth+1, max)
	case *structpb.Value_ListValue:
		if depth+1 > max {
			return true
		}
		for _, item := range k.ListValue.GetValues() {
			if valueDeeper(item, depth+1, max) {
				return true
			}
		}
	}
	return false
}
