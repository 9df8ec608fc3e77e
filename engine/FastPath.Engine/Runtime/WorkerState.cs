namespace FastPath.Engine.Runtime;

public enum WorkerState
{
    /// <summary>Built, thread not started.</summary>
    Created,

    /// <summary>Thread started: pinning, opening the port, starting the application.</summary>
    Starting,

    /// <summary>In the loop.</summary>
    Running,

    /// <summary>Stop seen: the application is stopping and the last frames are going out.</summary>
    Stopping,

    /// <summary>Thread ended, port closed (after a failure too: see <see cref="Worker.Failure"/>).</summary>
    Stopped,
}
