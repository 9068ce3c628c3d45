-- Dispatch is no longer woken through a table row per second: a message due now asks for a run
-- once its transaction commits, and a message due later gets a wake-up job of its own second.
drop table if exists message_dispatch_wakeups;
