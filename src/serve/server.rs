//! The socket side: an accept loop with a cap on concurrent connections, HTTP/1.1
//! connections with keep-alive and a header-read timeout, an optional access log,
//! and graceful shutdown (stop accepting, let in-flight requests finish for a few
//! seconds, then return).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

use super::State;

/// Limits and switches of the socket side.
#[derive(Debug, Clone)]
pub struct Options {
    /// Connections served at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// A client that has not sent complete headers by then is dropped; it also bounds
    /// how long an idle keep-alive connection waits for its next request.
    pub header_read_timeout: Duration,
    /// How long shutdown waits for in-flight requests.
    pub grace: Duration,
    /// Quiet time after a change in the posts folder before rebuilding.
    pub debounce: Duration,
    /// How often the watcher looks whether the posts folder itself was replaced.
    pub recheck: Duration,
    /// Print one access-log line per request.
    pub verbose: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(10),
            grace: Duration::from_secs(5),
            debounce: Duration::from_millis(200),
            recheck: Duration::from_secs(2),
            verbose: false,
        }
    }
}

/// Largest request head accepted; a bigger one gets 431.
const MAX_HEAD: usize = 16 * 1024;

/// Serves `state` on `listener` until `shutdown` completes, then stops accepting,
/// lets open connections finish their requests (up to `options.grace`) and returns.
/// Starts the watcher and the interval rebuild when the config asks for them. The
/// caller builds the first set ([`State::rebuild`]) before calling.
pub async fn run(
    state: Arc<State>,
    listener: TcpListener,
    options: Options,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let serve_cfg = &state.config().serve;
    let _watching = if serve_cfg.watch {
        Some(
            super::watch::watch(Arc::clone(&state), options.debounce, options.recheck).map_err(
                |e| std::io::Error::other(format!("cannot watch the posts folder: {e}")),
            )?,
        )
    } else {
        None
    };
    let _ticking = serve_cfg
        .every
        .filter(|d| !d.is_zero())
        .map(|d| super::watch::every(Arc::clone(&state), d));

    let addr = listener.local_addr()?;
    eprintln!("listening on http://{addr}/");

    let slots = Arc::new(Semaphore::new(options.max_connections.max(1)));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            biased;
            _ = &mut shutdown => break,
            a = accept(&listener, &slots) => a,
        };
        while connections.try_join_next().is_some() {}
        let (stream, peer, permit) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of descriptors and the like: say so, breathe, go on.
                eprintln!("warning: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        connections.spawn(connection(
            Arc::clone(&state),
            stream,
            peer,
            options.clone(),
            stop_rx.clone(),
            permit,
        ));
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(options.grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        eprintln!(
            "warning: {} connections still open after {:?}; closing them",
            connections.len(),
            options.grace
        );
        connections.shutdown().await;
    }
    Ok(())
}

async fn accept(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
) -> std::io::Result<(TcpStream, SocketAddr, OwnedSemaphorePermit)> {
    let permit = Arc::clone(slots)
        .acquire_owned()
        .await
        .expect("the semaphore is never closed");
    let (stream, peer) = listener.accept().await?;
    Ok((stream, peer, permit))
}

/// Serves one connection until the client closes it, it times out, or shutdown
/// asks it to finish its current request and close.
async fn connection(
    state: Arc<State>,
    stream: TcpStream,
    peer: SocketAddr,
    options: Options,
    mut stop: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) {
    let verbose = options.verbose;
    let service = service_fn(move |req| {
        let state = Arc::clone(&state);
        async move {
            let start = Instant::now();
            let res = state.handle(&req);
            if verbose {
                let len = res
                    .headers()
                    .get(http::header::CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                eprintln!(
                    "{peer} \"{} {} {:?}\" {} {len} {:.3} ms",
                    req.method(),
                    req.uri(),
                    req.version(),
                    res.status().as_u16(),
                    start.elapsed().as_secs_f64() * 1000.0
                );
            }
            Ok::<_, Infallible>(res)
        }
    });
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(options.header_read_timeout)
        .keep_alive(true)
        .max_header_size(MAX_HEAD)
        .max_buf_size(4 * MAX_HEAD)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let (Err(e), true) = (result, verbose) {
                eprintln!("{peer} connection closed: {e}");
            }
        }
        _ = async { stop.wait_for(|stopping| *stopping).await.map(|_| ()) } => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}
