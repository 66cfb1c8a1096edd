package anthropic

import (
	"github.com/operator-dev/operator/internal/diagnose"
	"github.com/operator-dev/operator/internal/subject"
)

// The prompt is diagnose's, shared by every model provider.
const (
	toolName        = diagnose.ToolName
	toolDescription = diagnose.ToolDescription
	openTag         = diagnose.DataOpen
	closeTag        = diagnose.DataClose
)

func userMessage(c *subject.Context, actions []subject.ActionSpec) (string, error) {
	return diagnose.UserMessage(c, actions)
}

type clusterData = diagnose.ClusterData
