package grpc

import (
	"context"

	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/monhook/monhook/domain/plugin"
	corepb "github.com/monhook/monhook/proto/spaceone/api/core/v1"
	pluginpb "github.com/monhook/monhook/proto/spaceone/api/monitoring/plugin"
)

// webhookServer answers spaceone.api.monitoring.plugin.Webhook.
type webhookServer struct {
	pluginpb.UnimplementedWebhookServer
	plugin *Plugin
}

func newWebhookServer(p *Plugin) *webhookServer { return &webhookServer{plugin: p} }

// Init answers Webhook.init with the plugin's metadata.
func (s *webhookServer) Init(ctx context.Context, req *pluginpb.WebhookInitRequest) (*pluginpb.WebhookPluginInfo, error) {
	md, err := s.plugin.Init(ctx, req.GetOptions())
	if err != nil {
		return nil, err
	}
	return &pluginpb.WebhookPluginInfo{Metadata: md}, nil
}

// Verify answers Webhook.verify: Empty when the options are valid.
func (s *webhookServer) Verify(ctx context.Context, req *pluginpb.WebhookPluginVerifyRequest) (*emptypb.Empty, error) {
	if err := s.plugin.Verify(ctx, req.GetOptions()); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// serverInfoServer answers spaceone.api.core.v1.ServerInfo, which every Cloudforet server serves.
type serverInfoServer struct {
	corepb.UnimplementedServerInfoServer
	version string
}

func newServerInfoServer(b plugin.Build) *serverInfoServer {
	return &serverInfoServer{version: b.Version}
}

// GetVersion answers ServerInfo.get_version with the build's version.
func (s *serverInfoServer) GetVersion(context.Context, *emptypb.Empty) (*corepb.VersionInfo, error) {
	return &corepb.VersionInfo{Version: s.version}, nil
}
