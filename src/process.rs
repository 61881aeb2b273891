//! Process-wide state that a forked child never shares with its parent.
//!
//! A server that forks after using libsts (gunicorn `--preload`, uWSGI, php-fpm,
//! `multiprocessing`) hands its children a copy of every pooled keep-alive socket and of every
//! lock. Parent and child then read each other's answers on the shared socket (credentials
//! cross over), and a child forked while another thread held a lock waits for it forever.
//!
//! [`PerProcess`] keeps its value tagged with the process that built it. The first use in a
//! child builds a fresh value and never touches the parent's: not its locks (which may be held
//! by a thread that does not exist in the child), not its sockets (still the parent's), not
//! even its destructor (which would have to take those locks). The parent's value is leaked in
//! the child: a few KB and, for a connection pool, the inherited socket descriptors, which stay
//! open in the child until it exits or execs (they are close-on-exec). Closing them would need
//! the pool's lock, the one thing a child may not take.
//!
//! Every piece of process-wide state in libsts goes through this type (the connection pool
//! today; a worker pool or a credential cache tomorrow): put it in a
//! `static X: PerProcess<T> = PerProcess::new(init)` and reach it with `X.get()`.
//!
//! How a fork is detected: the value records the process id and a fork generation. The id
//! alone catches every fork, including children made by a raw `clone(2)` that skips libc's
//! fork handlers. The generation, bumped by a `pthread_atfork` child handler, catches the one
//! case the id misses: a child that gets the same id number as its parent, which happens when
//! it is the first process of a new pid namespace (`unshare --pid --fork` run by a process that
//! is itself pid 1, as a container's init is), or when an id is reused after its owner died.
//! The check costs one `getpid` system call (glibc stopped caching it in 2.25) and two atomic
//! loads: measured in `benches/sts.rs` (`per_process/get`), noise next to an HTTP call.
#![allow(unsafe_code)]

use std::marker::PhantomData;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};

/// Bumped in every child by the `pthread_atfork` handler.
static FORK_GENERATION: AtomicU64 = AtomicU64::new(0);
static HANDLER_REGISTERED: AtomicBool = AtomicBool::new(false);

/// Runs in the child right after `fork()`, where only async-signal-safe work is allowed: an
/// atomic add is.
extern "C" fn forked_child() {
    FORK_GENERATION.fetch_add(1, Ordering::SeqCst);
}

/// Registers [`forked_child`] once per process image. No `Once`: a child forked while another
/// thread was inside `Once::call_once` would wait on it forever. Two threads racing here is
/// harmless: one registers; the other may build a value before the handler exists, and a fork
/// in that instant is still caught by the process id.
fn register_fork_handler() {
    if !HANDLER_REGISTERED.swap(true, Ordering::SeqCst) {
        // SAFETY: the handler is a plain function that lives as long as the library; glibc
        // unregisters it if a dlopen()ed libsts is unloaded (libc_nonshared's pthread_atfork
        // passes the library's __dso_handle).
        let failed = unsafe { libc::pthread_atfork(None, None, Some(forked_child)) } != 0;
        if failed {
            // ENOMEM: the process id check still works; try again on the next value built.
            HANDLER_REGISTERED.store(false, Ordering::SeqCst);
        }
    }
}

/// Which process image a value belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Owner {
    pid: u32,
    generation: u64,
}

impl Owner {
    fn current() -> Self {
        // Either order works: a fork between the two reads changes the one read second.
        let generation = FORK_GENERATION.load(Ordering::SeqCst);
        Owner { pid: std::process::id(), generation }
    }
}

struct Slot<T> {
    owner: Owner,
    value: T,
    /// The ancestor's slot this one replaced, never touched: it keeps the leak reachable, so a
    /// leak checker (valgrind in a forked child) reports it as still reachable, not as lost.
    _ancestor: *mut Slot<T>,
}

/// A value of which each process has its own, built on first use in that process (see the
/// module docs for why and how).
pub struct PerProcess<T> {
    /// A leaked `Box<Slot<T>>`, or null before the first use. Slots are never freed while
    /// `self` lives, so references handed out stay valid.
    slot: AtomicPtr<Slot<T>>,
    init: fn() -> T,
    _owns: PhantomData<Box<Slot<T>>>,
}

// SAFETY: `get` hands out `&T` to any thread (needs `T: Sync`) and a value built by one thread
// may be dropped by another (needs `T: Send`). The raw pointer alone would claim both always.
unsafe impl<T: Send + Sync> Sync for PerProcess<T> {}
unsafe impl<T: Send> Send for PerProcess<T> {}

impl<T> PerProcess<T> {
    /// `init` builds the value, once per process, on first [`get`](Self::get).
    pub const fn new(init: fn() -> T) -> Self {
        PerProcess { slot: AtomicPtr::new(ptr::null_mut()), init, _owns: PhantomData }
    }

    /// This process's value; in a child after a fork, a fresh one.
    pub fn get(&self) -> &T {
        self.get_as(Owner::current())
    }

    fn get_as(&self, owner: Owner) -> &T {
        let mut seen = self.slot.load(Ordering::Acquire);
        loop {
            // SAFETY: a non-null pointer came from Box::into_raw below and is never freed
            // while `self` lives.
            if let Some(slot) = unsafe { seen.as_ref() } {
                if slot.owner == owner {
                    return &slot.value;
                }
            }
            register_fork_handler();
            let fresh = Box::into_raw(Box::new(Slot { owner, value: (self.init)(), _ancestor: seen }));
            match self.slot.compare_exchange(seen, fresh, Ordering::AcqRel, Ordering::Acquire) {
                // The slot replaced (if any) belongs to an ancestor process: leaked on purpose.
                // SAFETY: just created from a Box, never freed while `self` lives.
                Ok(_) => return unsafe { &(*fresh).value },
                Err(current) => {
                    // Another thread of this process won the race; use its value.
                    // SAFETY: `fresh` was never published, so this thread owns it alone.
                    drop(unsafe { Box::from_raw(fresh) });
                    seen = current;
                }
            }
        }
    }
}

impl<T> Drop for PerProcess<T> {
    fn drop(&mut self) {
        let slot = *self.slot.get_mut();
        // SAFETY: as in `get_as`; `&mut self` means no reference into the slot is left.
        if let Some(owned) = unsafe { slot.as_ref() } {
            // Only this process's own value is dropped; an ancestor's stays leaked (module docs).
            if owned.owner == Owner::current() {
                // SAFETY: the pointer came from Box::into_raw and is dropped once, here.
                drop(unsafe { Box::from_raw(slot) });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Mutex;

    static BUILT: AtomicUsize = AtomicUsize::new(0);

    fn counted() -> Mutex<usize> {
        Mutex::new(BUILT.fetch_add(1, Ordering::SeqCst))
    }

    #[test]
    fn one_value_per_process_image() {
        let state = PerProcess::new(counted);
        let first: *const Mutex<usize> = state.get();
        assert!(ptr::eq(first, state.get()), "same process: same value");
        let me = Owner::current();

        // A different pid (a forked child), then the same pid in a new fork generation (a
        // child that got its parent's pid number): each gets a value of its own.
        let child = Owner { pid: me.pid.wrapping_add(1), ..me };
        let from_child: *const Mutex<usize> = state.get_as(child);
        assert!(!ptr::eq(first, from_child));
        assert!(ptr::eq(from_child, state.get_as(child)));
        let same_pid = Owner { generation: me.generation + 1, ..me };
        let from_same_pid: *const Mutex<usize> = state.get_as(same_pid);
        assert!(!ptr::eq(from_child, from_same_pid) && !ptr::eq(first, from_same_pid));
    }

    #[test]
    fn a_child_never_takes_a_lock_held_at_fork_time() {
        let state = PerProcess::new(counted);
        let me = Owner::current();
        let parent = state.get_as(me);
        // Held by a thread of the parent when the fork happens; in the child nobody releases it.
        let _held = parent.lock().unwrap();
        let child = state.get_as(Owner { pid: me.pid.wrapping_add(1), ..me });
        assert!(child.try_lock().is_ok(), "the child's value has a lock of its own");
    }

    #[test]
    fn racing_threads_share_one_value() {
        let state = PerProcess::new(counted);
        let addresses: Vec<usize> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8).map(|_| s.spawn(|| state.get() as *const Mutex<usize> as usize)).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(addresses.windows(2).all(|w| w[0] == w[1]), "{addresses:?}");
    }

    #[test]
    fn the_fork_handler_is_registered_on_first_use() {
        let state = PerProcess::new(counted);
        state.get();
        assert!(HANDLER_REGISTERED.load(Ordering::SeqCst));
    }
}
