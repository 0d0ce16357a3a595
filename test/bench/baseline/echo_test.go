package main

import (
	"context"
	"net"
	"path/filepath"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	pluginpb "github.com/monhook/monhook/proto/spaceone/api/monitoring/plugin"
	"github.com/monhook/monhook/test/bench/answers"
)

// TestEchoAnswersWithTheCapturedAnswer: the floor answers a request with the answer captured for its method and
// size, exactly, and refuses a request it has no answer for rather than answering something else.
func TestEchoAnswersWithTheCapturedAnswer(t *testing.T) {
	data, err := structpb.NewStruct(map[string]any{"alerts": []any{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	req := &pluginpb.ParseRequest{Options: &structpb.Struct{}, Data: data}
	want := &pluginpb.EventsInfo{Results: []*pluginpb.EventInfo{{EventKey: "k", Title: "t", Severity: pluginpb.EventInfo_ERROR}}}
	raw, err := proto.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "answers.json")
	a := answers.Answer{Method: pluginpb.Event_Parse_FullMethodName, RequestBytes: proto.Size(req), Response: raw}
	if err := answers.Write(path, []answers.Answer{a, a}); err == nil {
		t.Fatal("two answers under one key were written")
	}
	if err := answers.Write(path, []answers.Answer{a}); err != nil {
		t.Fatal(err)
	}
	as, err := readAnswers(path)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.ForceServerCodecV2(sizeCodec{base: encoding.GetCodecV2("proto")}))
	desc, err := echoService(pluginpb.Event_ServiceDesc, as)
	if err != nil {
		t.Fatal(err)
	}
	srv.RegisterService(desc, struct{}{})
	lis := bufconn.Listen(1 << 20)
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()
	conn, err := grpc.NewClient("passthrough:///bufnet", grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := pluginpb.NewEventClient(conn)
	got, err := client.Parse(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(got, want) {
		t.Errorf("answer %v, want %v", got, want)
	}
	other := &pluginpb.ParseRequest{Options: &structpb.Struct{}}
	if _, err := client.Parse(context.Background(), other); status.Code(err) != codes.Unimplemented {
		t.Errorf("a request with no captured answer: %v, want Unimplemented", err)
	}
}
