namespace Cluster.Service.Store;

/// <summary>A SQLite log file's size and time of last write (to the tick), as <see cref="WalWriteSignal.Stamp"/> read them; default when there is no log.</summary>
internal readonly record struct WalStamp(long Length, long LastWriteTicks);
