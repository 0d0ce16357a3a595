package cloudforet

import (
	"fmt"
	"unicode/utf8"

	"google.golang.org/protobuf/types/known/structpb"
)

// slabSize is how many values of one kind a builder allocates at a time.
const slabSize = 64

// builder makes the Struct, Value and ListValue messages of one answer from slabs: a few allocations per answer
// instead of two per value, which is most of what building an answer costs and what its garbage costs later.
// The messages are never copied, only pointed to, as protobuf requires; they live as long as the answer does.
type builder struct {
	values  []structpb.Value
	strings []structpb.Value_StringValue
	numbers []structpb.Value_NumberValue
	bools   []structpb.Value_BoolValue
	structs []structpb.Struct
	sKinds  []structpb.Value_StructValue
	lists   []structpb.ListValue
	lKinds  []structpb.Value_ListValue
}

// take returns the next element of *slab, refilling it with n (at least 1) more when it is used up.
func take[T any](slab *[]T, n int) *T {
	if len(*slab) == 0 {
		*slab = make([]T, max(n, 1))
	}
	p := &(*slab)[0]
	*slab = (*slab)[1:]
	return p
}

func (b *builder) str(s string) *structpb.Value {
	v := take(&b.values, slabSize)
	k := take(&b.strings, slabSize)
	k.StringValue = s
	v.Kind = k
	return v
}

// stringStruct writes a flat string map, leaving out empty values as Cloudforet would never show them, with room
// for more entries the caller adds.
func (b *builder) stringStruct(m map[string]string, more int) *structpb.Struct {
	s := take(&b.structs, slabSize)
	s.Fields = make(map[string]*structpb.Value, len(m)+more)
	for k, v := range m {
		if v != "" {
			s.Fields[k] = b.str(v)
		}
	}
	return s
}

// Struct writes doc as structpb.NewStruct does, value for value and error for error, from slabs.
func Struct(doc map[string]any) (*structpb.Struct, error) {
	var n counts
	n.structOf(doc)
	b := builder{
		values:  make([]structpb.Value, n.values),
		strings: make([]structpb.Value_StringValue, n.strings),
		numbers: make([]structpb.Value_NumberValue, n.numbers),
		bools:   make([]structpb.Value_BoolValue, n.bools),
		structs: make([]structpb.Struct, n.structs),
		sKinds:  make([]structpb.Value_StructValue, n.structs-1),
		lists:   make([]structpb.ListValue, n.lists),
		lKinds:  make([]structpb.Value_ListValue, n.lists),
	}
	return b.structOf(doc)
}

// counts are how many messages of each kind a document takes, so that the builder's slabs fit it exactly.
type counts struct{ values, strings, numbers, bools, structs, lists int }

func (n *counts) structOf(m map[string]any) {
	n.structs++
	for _, x := range m {
		n.value(x)
	}
}

func (n *counts) value(x any) {
	n.values++
	switch x := x.(type) {
	case string:
		n.strings++
	case float64:
		n.numbers++
	case bool:
		n.bools++
	case map[string]any:
		n.structOf(x)
	case []any:
		n.lists++
		for _, item := range x {
			n.value(item)
		}
	}
}

func (b *builder) structOf(m map[string]any) (*structpb.Struct, error) {
	s := take(&b.structs, slabSize)
	s.Fields = make(map[string]*structpb.Value, len(m))
	for k, x := range m {
		if !utf8.ValidString(k) {
			return nil, fmt.Errorf("invalid UTF-8 in string: %q", k)
		}
		v, err := b.value(x)
		if err != nil {
			return nil, err
		}
		s.Fields[k] = v
	}
	return s, nil
}

func (b *builder) value(x any) (*structpb.Value, error) {
	switch x := x.(type) {
	case nil:
		v := take(&b.values, slabSize)
		v.Kind = &structpb.Value_NullValue{} // rare: not worth a slab
		return v, nil
	case bool:
		v := take(&b.values, slabSize)
		k := take(&b.bools, slabSize)
		k.BoolValue = x
		v.Kind = k
		return v, nil
	case float64:
		v := take(&b.values, slabSize)
		k := take(&b.numbers, slabSize)
		k.NumberValue = x
		v.Kind = k
		return v, nil
	case string:
		if !utf8.ValidString(x) {
			return nil, fmt.Errorf("invalid UTF-8 in string: %q", x)
		}
		return b.str(x), nil
	case map[string]any:
		s, err := b.structOf(x)
		if err != nil {
			return nil, err
		}
		v := take(&b.values, slabSize)
		k := take(&b.sKinds, slabSize)
		k.StructValue = s
		v.Kind = k
		return v, nil
	case []any:
		l := take(&b.lists, slabSize)
		l.Values = make([]*structpb.Value, len(x))
		for i, item := range x {
			iv, err := b.value(item)
			if err != nil {
				return nil, err
			}
			l.Values[i] = iv
		}
		v := take(&b.values, slabSize)
		k := take(&b.lKinds, slabSize)
		k.ListValue = l
		v.Kind = k
		return v, nil
	}
	return structpb.NewValue(x) // the kinds no document of monhook's holds (int, []byte, ...), as structpb reads them
}
