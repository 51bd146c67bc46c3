//! One round trip for many requests: callers queue an item, and a single task sends everything
//! queued so far in one batch (a Redis pipeline, one query), then the next batch, until the queue is
//! empty.
//!
//! A batch only takes items queued before it started, so every caller's answer was fetched after
//! the caller arrived: a read through the coalescer never sees a state older than its own request,
//! which is what lets the catalog cache and the shared rate limit stay exact while a busy instance
//! makes one round trip per batch instead of one per request.

use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use tokio::sync::oneshot;

type Flush<I, O> = Arc<dyn Fn(Vec<I>) -> BoxFuture<'static, Vec<O>> + Send + Sync>;

struct Queue<I, O> {
    /// A task is draining the queue.
    running: bool,
    items: Vec<(I, oneshot::Sender<O>)>,
}

pub struct Coalescer<I, O> {
    queue: Arc<Mutex<Queue<I, O>>>,
    flush: Flush<I, O>,
}

impl<I, O> Clone for Coalescer<I, O> {
    fn clone(&self) -> Self {
        Self {
            queue: self.queue.clone(),
            flush: self.flush.clone(),
        }
    }
}

impl<I: Send + 'static, O: Send + 'static> Coalescer<I, O> {
    /// `flush` answers a batch with one output per item, in order.
    pub fn new<F>(flush: F) -> Self
    where
        F: Fn(Vec<I>) -> BoxFuture<'static, Vec<O>> + Send + Sync + 'static,
    {
        Self {
            queue: Arc::new(Mutex::new(Queue {
                running: false,
                items: Vec::new(),
            })),
            flush: Arc::new(flush),
        }
    }

    /// Queues `item` and waits for its batch. `None` when the batch was lost (its flush panicked or
    /// answered too few items); callers treat that like an unreachable store.
    pub async fn run(&self, item: I) -> Option<O> {
        let (reply, answer) = oneshot::channel();
        let start = {
            let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
            queue.items.push((item, reply));
            !std::mem::replace(&mut queue.running, true)
        };
        if start {
            // A task of its own, not the first caller's future: a caller that goes away (its
            // client hung up) must not strand everyone queued behind it.
            tokio::spawn(drain(self.queue.clone(), self.flush.clone()));
        }
        answer.await.ok()
    }
}

async fn drain<I, O>(queue: Arc<Mutex<Queue<I, O>>>, flush: Flush<I, O>) {
    // Whatever happens to this task, the next caller must be able to start another.
    struct Running<I, O>(Arc<Mutex<Queue<I, O>>>);
    impl<I, O> Drop for Running<I, O> {
        fn drop(&mut self) {
            let mut queue = self.0.lock().unwrap_or_else(|e| e.into_inner());
            queue.running = false;
            // Dropped senders answer their callers with `None`.
            queue.items.clear();
        }
    }
    let _running = Running(queue.clone());
    loop {
        let batch = {
            let mut queue = queue.lock().unwrap_or_else(|e| e.into_inner());
            if queue.items.is_empty() {
                queue.running = false;
                return;
            }
            std::mem::take(&mut queue.items)
        };
        let (items, replies): (Vec<I>, Vec<oneshot::Sender<O>>) = batch.into_iter().unzip();
        let outputs = flush(items).await;
        for (reply, output) in replies.into_iter().zip(outputs) {
            let _ = reply.send(output);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn concurrent_callers_share_batches_and_each_gets_its_own_answer() {
        let batches = Arc::new(AtomicUsize::new(0));
        let counted = batches.clone();
        let doubler = Coalescer::new(move |items: Vec<u32>| {
            counted.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                items.into_iter().map(|i| i * 2).collect()
            }) as BoxFuture<'static, Vec<u32>>
        });
        let calls = (0..200u32).map(|i| {
            let d = doubler.clone();
            async move { (i, d.run(i).await) }
        });
        for (i, answer) in futures_util::future::join_all(calls).await {
            assert_eq!(answer, Some(i * 2));
        }
        let n = batches.load(Ordering::SeqCst);
        assert!((1..200).contains(&n), "200 callers in {n} batches");
    }

    #[tokio::test]
    async fn a_failed_batch_answers_none_and_the_next_call_starts_again() {
        let flaky = Coalescer::new(|items: Vec<u32>| {
            Box::pin(async move {
                if items.contains(&0) {
                    panic!("the store went away");
                }
                items
            }) as BoxFuture<'static, Vec<u32>>
        });
        assert_eq!(flaky.run(0).await, None);
        assert_eq!(flaky.run(7).await, Some(7));
    }

    #[tokio::test]
    async fn short_answers_leave_the_rest_with_none() {
        let short = Coalescer::new(|_items: Vec<u32>| {
            Box::pin(async move { Vec::new() }) as BoxFuture<'static, Vec<u32>>
        });
        assert_eq!(short.run(1).await, None);
    }
}
