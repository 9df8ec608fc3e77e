using System.CommandLine;
using FastPath.Cli;
using FastPath.Cli.Commands;

var root = new RootCommand("FastPath: a kernel-bypass packet engine (AF_XDP, AF_PACKET) and the tools built on it.");
root.Subcommands.Add(DecodeCommand.Create());
root.Subcommands.Add(GenCommand.Create());
root.Subcommands.Add(SinkCommand.Create());
root.Subcommands.Add(Rfc2544Command.Create());
root.Subcommands.Add(RespondCommand.Create());
root.Subcommands.Add(EchoCommand.Create());
root.Subcommands.Add(FanoutCommand.Create());
root.Subcommands.Add(PingCommand.Create());
root.Subcommands.Add(LabCommand.Create());
root.Subcommands.Add(TcpCommand.Create());
return CommandLineRunner.Run(root, args);
