"""The MCP endpoint (Model Context Protocol, streamable HTTP) at /api/mcp/: an AI assistant designs
with the same guard rails as a person. `tools` holds the tools, `server` the endpoint."""
