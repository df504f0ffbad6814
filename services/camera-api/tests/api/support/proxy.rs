//! A TCP proxy a test can cut and restore: the service sees its database (or
//! any dependency) vanish and come back, as in a real outage.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub struct TcpProxy {
    addr: SocketAddr,
    target: SocketAddr,
    state: Arc<Mutex<ProxyState>>,
}

#[derive(Default)]
struct ProxyState {
    acceptor: Option<JoinHandle<()>>,
    connections: Vec<JoinHandle<()>>,
}

impl TcpProxy {
    pub async fn start(target: SocketAddr) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the proxy");
        let proxy = TcpProxy {
            addr: listener.local_addr().unwrap(),
            target,
            state: Arc::default(),
        };
        proxy.accept_on(listener);
        proxy
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Refuses new connections and resets the open ones.
    pub fn cut(&self) {
        let mut state = self.state.lock().unwrap();
        state.acceptor.take().inspect(JoinHandle::abort);
        state.connections.drain(..).for_each(|conn| conn.abort());
    }

    pub async fn restore(&self) {
        let listener = TcpListener::bind(self.addr)
            .await
            .expect("re-binding the proxy port");
        self.accept_on(listener);
    }

    fn accept_on(&self, listener: TcpListener) {
        let target = self.target;
        let state = self.state.clone();
        let acceptor = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let conn = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                state.lock().unwrap().connections.push(conn);
            }
        });
        self.state.lock().unwrap().acceptor = Some(acceptor);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.cut();
    }
}
