using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cluster.Service.Cli;

/// <summary>
/// `cluster sim-app`: a stand-in application for samples and scenarios. It runs until stopped and, with
/// --port, greets every connection with its banner, as an SMTP, IMAP or POP3 server does, so that
/// GenericApplication's banner check has something real to probe.
/// </summary>
internal static class SimAppCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "A loopback TCP port to serve the banner on (0: none)" }.AtLeast(0);
        var banner = new Option<string>("--banner") { Description = "The first line each connection reads", DefaultValueFactory = _ => "220 ready" };
        var command = new Command("sim-app", "Run a stand-in application: it waits, and with --port serves a banner (samples use it)") { port, banner };
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            var number = parseResult.GetValue(port);
            if (number == 0)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                return 0;
            }

            var greeting = Encoding.ASCII.GetBytes(parseResult.GetValue(banner) + "\r\n");
            using var listener = new TcpListener(IPAddress.Loopback, number);
            try
            {
                listener.Start();
            }
            catch (SocketException e)
            {
                throw new ClusterUserException($"Port {number} is not free: {e.Message}");
            }

            try
            {
                while (true)
                {
                    using var client = await listener.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
                    await client.GetStream().WriteAsync(greeting, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                return 0; // stopped (SIGTERM)
            }
        });
        return command;
    }
}
