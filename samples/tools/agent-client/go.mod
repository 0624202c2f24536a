module arcaudit.example/samples/agent-client

go 1.19
