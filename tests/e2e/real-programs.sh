#!/bin/bash
# real-programs.sh sleep|python|python-threads|bash|java|java-leave-running|java-nio|tail:
# checkpoint and restore unmodified Debian programs.
#
#   sleep   a `sleep 1000` lives on after restore, same pid and command line, and dies of
#           SIGTERM; a `sleep 3` dumped after 1 s ends by itself after restore, status 0
#   python  /usr/bin/python3 holding a dict of a million random entries: after restore and go,
#           the script rebuilds the dict from its seed and compares
#   python-threads
#           /usr/bin/python3 with 8 threading.Thread workers consuming a queue.Queue that the
#           main thread fills until go: every item is processed exactly once, the workers keep
#           their TIDs, and the main thread queued more items after the restore
#   bash    /bin/bash counting in a busy loop of builtins only: after restore the count goes on
#           from where it was (not from 0) and stays consistent with a running sum
#   java    openjdk-17's java running 8 worker threads that count, each in a local variable,
#           all in an AtomicLong, and each and all under a lock: after restore and go, every
#           worker still counts on, with its TID, the four kinds of count agree exactly, and the
#           total went past the one at the dump. The JVM's perf data (/tmp/hsperfdata_USER/PID,
#           a MAP_SHARED file mapping that jstat reads) is still shared with the file after
#           restore: the JVM keeps updating the file.
#   java-leave-running
#           the same JVM dumped with -R runs on untouched, counting, and passes at go
#   tail    `tail -f` on a file, which it follows through an inotify watch: a random line
#           appended after restore shows in its output
#   java-nio
#           the same program reading and writing its files with java.nio (Files.readString,
#           Files.writeString), which makes the JVM keep a unix socket, one end of a socketpair
#           whose other end it closed (sun.nio.ch's pre-close descriptor): after restore it still
#           counts and writes its files through java.nio, and closing a java.nio pipe that a
#           thread is blocked reading (the JVM then dup2()s that socket over the pipe's
#           descriptor) ends the read at once, with AsynchronousCloseException
#
# With CRYO_SKIP=1 there is no dump nor restore.
source "$(dirname "$0")/lib.sh"

(($# == 1)) ||
	fail "usage: $0 sleep|python|python-threads|bash|java|java-leave-running|java-nio|tail"
go=$tmp/go
out=$tmp/program.out

test_sleep() {
	local cmdline
	start "$out" /usr/bin/sleep 1000
	wait_until 10 "sleep to start" grep -q sleep "/proc/$pid/comm"
	cmdline=$(cmdline_of "$pid")
	dump_and_restore "$pid" "$tmp/img"
	sleep 1
	alive "$pid" || fail "restored sleep $pid died"
	[[ $(cmdline_of "$pid") == "$cmdline" ]] ||
		fail "restored command line '$(cmdline_of "$pid")', want '$cmdline'"
	kill -TERM "$pid"
	wait_until 10 "sleep $pid to die of SIGTERM" dead "$pid"

	start "$out" /usr/bin/sleep 3
	sleep 1
	cryo_dump "$pid" "$tmp/img3"
	wait_dumped_gone "$pid"
	restore_foreground "$tmp/img3"
	((child_status == 0)) || fail "sleep 3: exit status $child_status, want 0"
	log "sleep 3 ended by itself with status 0"
}

test_python() {
	cat >"$tmp/dict.py" <<'EOF'
import os, random, sys, time

def build(seed):
    rng = random.Random(seed)
    return {rng.getrandbits(64): i for i in range(1_000_000)}

def checksum(d):
    h = 0
    for k, v in d.items():
        h = (h * 1000003 ^ k ^ v << 7) & 0xFFFFFFFFFFFFFFFF
    return h

go = sys.argv[1]
seed = int.from_bytes(os.urandom(8), "little")
d = build(seed)
want = checksum(d)
print("READY", flush=True)
while not os.path.exists(go):
    time.sleep(0.01)
if checksum(d) == want and d == build(seed):
    print("PASS", flush=True)
else:
    print("FAIL: the dict changed", flush=True)
    sys.exit(1)
EOF
	start "$out" /usr/bin/python3 "$tmp/dict.py" "$go"
	wait_ready "$pid" "$out"
	dump_and_restore "$pid" "$tmp/img"
	touch "$go"
	wait_result "$pid" "$out"
}

# dump_restore_counting [CHECK]: dump the counting program $pid (it dies), restore it, run
# CHECK if given, let it finish: its final count must go past the one it had written at the
# dump. Sets at_dump and final.
dump_restore_counting() {
	sleep 0.5
	cryo_dump "$pid" "$tmp/img"
	wait_dumped_gone "$pid"
	at_dump=$(cat "$tmp/counter")
	cryo_restore_detached "$tmp/img" "$pid"
	"${@:-true}"
	sleep 0.5
	touch "$go"
	wait_result "$pid" "$out"
	final=$(sed -n 's/^count //p' "$out")
	((final > at_dump)) || fail "final count $final, want more than $at_dump (at the dump)"
}

test_python_threads() {
	local at_dump final tasks
	cat >"$tmp/workers.py" <<'EOF'
import os, queue, random, sys, threading, time

WORKERS = 8
go, counter = sys.argv[1], sys.argv[2]
seed = int.from_bytes(os.urandom(8), "little")

def item(i):
    return random.Random(seed + i).getrandbits(64)

def process(x):
    return (x * 0x9E3779B97F4A7C15 ^ seed) & 0xFFFFFFFFFFFFFFFF

def worker(n):
    tids[n] = threading.get_native_id()
    while (x := q.get()) is not None:
        done[n].append(process(x))
        if len(done[n]) % 64 == 0:
            time.sleep(0.001)  # now and then the queue fills up and put() waits
    tids[n] = (tids[n], threading.get_native_id())

def tasks():
    return sorted(int(t) for t in os.listdir("/proc/self/task"))

q = queue.Queue(maxsize=256)
done = [[] for _ in range(WORKERS)]
tids = [None] * WORKERS
threads = [threading.Thread(target=worker, args=(n,)) for n in range(WORKERS)]
for t in threads:
    t.start()
count = 0
while not os.path.exists(go):
    q.put(item(count))
    count += 1
    if count == 10_000:
        tasks_before = tasks()
        print("READY", flush=True)
    if count % 2000 == 0:
        with open(counter, "w") as f:
            f.write(f"{count}\n")
tasks_after = tasks()
for _ in threads:
    q.put(None)
for t in threads:
    t.join()
print(f"count {count}")
failed = []
if tasks_after != tasks_before:
    failed.append(f"/proc/self/task {tasks_after}, before {tasks_before}")
failed += [f"worker {n}: thread id {a}, then {b}" for n, (a, b) in enumerate(tids) if a != b]
got = sorted(x for d in done for x in d)
if got != sorted(process(item(i)) for i in range(count)):
    failed.append(f"{len(got)} items processed, {len(set(got))} distinct, want {count}")
for f in failed:
    print(f"FAIL: {f}", flush=True)
if not failed:
    print("PASS", flush=True)
sys.exit(1 if failed else 0)
EOF
	start "$out" /usr/bin/python3 "$tmp/workers.py" "$go" "$tmp/counter"
	wait_ready "$pid" "$out"
	tasks=("/proc/$pid/task/"*)
	((${#tasks[@]} == 9)) || fail "python3 $pid has ${#tasks[@]} threads, want 9"
	dump_restore_counting
	log "$at_dump items queued at the dump, $final in all"
}

test_bash() {
	local at_dump final
	cat >"$tmp/count.sh" <<'EOF'
go=$1 counter=$2 count=0 sum=0
echo READY
until [[ -e $go ]]; do
	((count += 1, sum += count))
	((count % 20000)) || echo "$count" >"$counter"
done
echo "count $count"
if ((sum == count * (count + 1) / 2)); then
	echo PASS
else
	echo "FAIL: sum $sum is not the sum of 1..$count"
	exit 1
fi
EOF
	start "$out" /bin/bash "$tmp/count.sh" "$go" "$tmp/counter"
	wait_ready "$pid" "$out"
	wait_until 30 "the first count" test -s "$tmp/counter"
	dump_restore_counting
	log "counted from $at_dump at the dump to $final"
}

# start_java_counters io|nio: compile and start the Java counting program: 8 workers, then
# READY and its total in $tmp/counter every 50 ms until go; then the checks, its total ("count
# N") and PASS. Its files go through java.io, or java.nio.
start_java_counters() {
	cat >"$tmp/Counters.java" <<'EOF'
import java.io.File;
import java.io.FileInputStream;
import java.io.FileWriter;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/*
 * Files through java.io, or with "nio" through java.nio's Files.readString and Files.writeString,
 * whose file channels make the JVM keep a unix socket (sun.nio.ch's pre-close descriptor).
 */
public class Counters {
    static final int WORKERS = 8;
    static final AtomicLong total = new AtomicLong();
    static final Object lock = new Object();
    static final long[] own = new long[WORKERS]; // under lock
    static long lockedTotal;                     // under lock
    static final long[] kept = new long[WORKERS];
    static volatile boolean stop;
    static boolean nio;

    static void work(int n) {
        long mine = 0; // in a register or on this thread's stack until the end
        while (!stop) {
            mine++;
            total.incrementAndGet();
            synchronized (lock) {
                own[n]++;
                lockedTotal++;
            }
        }
        kept[n] = mine;
    }

    static long[] ownCounts() {
        synchronized (lock) {
            return own.clone();
        }
    }

    static long sum(long[] a) {
        long s = 0;
        for (long x : a)
            s += x;
        return s;
    }

    static String read(File f) throws Exception {
        if (nio)
            return Files.readString(f.toPath());
        try (var in = new FileInputStream(f)) {
            return new String(in.readAllBytes());
        }
    }

    static void write(File f, String text) throws Exception {
        if (nio) {
            Files.writeString(f.toPath(), text);
            return;
        }
        try (var w = new FileWriter(f)) {
            w.write(text);
        }
    }

    /* Each worker's native thread id, by its name as /proc shows it. */
    static Map<String, String> workerTids() throws Exception {
        Map<String, String> tids = new TreeMap<>();
        for (String tid : new File("/proc/self/task").list()) {
            String name = read(new File("/proc/self/task/" + tid + "/comm")).trim();
            if (name.startsWith("worker-"))
                tids.put(name, tid);
        }
        return tids;
    }

    /* The total for the driver, whole or not at all. */
    static void writeCounter(File counter, File next) throws Exception {
        write(next, total.get() + "\n");
        if (nio)
            Files.move(next.toPath(), counter.toPath(), StandardCopyOption.ATOMIC_MOVE);
        else if (!next.renameTo(counter))
            throw new Exception("cannot rename " + next + " to " + counter);
    }

    /*
     * A thread blocked reading a java.nio pipe whose source is then closed: the JVM dup2()s its
     * pre-close socket over the pipe's descriptor and signals the thread, whose read must end.
     */
    static String closeBlockedPipe() throws Exception {
        Pipe pipe = Pipe.open();
        AtomicReference<Throwable> ended = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                pipe.source().read(ByteBuffer.allocate(16));
            } catch (Throwable t) {
                ended.set(t);
            }
        }, "pipe-reader");
        reader.start();
        Thread.sleep(300);
        pipe.source().close();
        reader.join(10000);
        if (reader.isAlive())
            return "a read of a closed pipe did not end";
        if (!(ended.get() instanceof AsynchronousCloseException))
            return "a read of a closed pipe ended with " + ended.get();
        pipe.sink().close();
        return null;
    }

    public static void main(String[] args) throws Exception {
        File go = new File(args[0]), counter = new File(args[1]), next = new File(args[1] + ".new");
        nio = args[2].equals("nio");
        List<Thread> workers = new ArrayList<>();
        for (int n = 0; n < WORKERS; n++) {
            final int k = n;
            workers.add(new Thread(() -> work(k), "worker-" + n));
            workers.get(n).start();
        }
        Map<String, String> tidsBefore;
        while ((tidsBefore = workerTids()).size() < WORKERS)
            Thread.sleep(10); // a thread takes its name once it runs
        System.out.println("READY");
        for (long tick = 1; !go.exists(); tick++) {
            Thread.sleep(50);
            writeCounter(counter, next);
            if (tick % 10 == 0)
                System.out.println("progress " + total.get());
        }
        List<String> failed = new ArrayList<>();
        long[] atGo = ownCounts();
        Thread.sleep(200);
        long[] later = ownCounts();
        for (int n = 0; n < WORKERS; n++)
            if (later[n] <= atGo[n])
                failed.add("worker " + n + " stopped counting at " + atGo[n]);
        Map<String, String> tidsAfter = workerTids();
        if (!tidsAfter.equals(tidsBefore))
            failed.add("worker thread ids " + tidsAfter + ", before " + tidsBefore);
        if (nio) {
            String pipeFailure = closeBlockedPipe();
            if (pipeFailure != null)
                failed.add(pipeFailure);
        }
        stop = true;
        for (Thread t : workers)
            t.join();
        System.out.println("count " + total.get());
        if (total.get() != lockedTotal || lockedTotal != sum(own) || sum(own) != sum(kept))
            failed.add("totals disagree: atomic " + total.get() + ", locked " + lockedTotal
                       + ", sum of the workers' " + sum(own) + ", of their own " + sum(kept));
        for (int n = 0; n < WORKERS; n++)
            if (own[n] != kept[n])
                failed.add("worker " + n + " counted " + kept[n] + ", " + own[n] + " under lock");
        for (String f : failed)
            System.out.println("FAIL: " + f);
        if (failed.isEmpty())
            System.out.println("PASS");
        System.exit(failed.isEmpty() ? 0 : 1);
    }
}
EOF
	javac -d "$tmp" "$tmp/Counters.java"
	start "$out" /usr/bin/java -cp "$tmp" Counters "$go" "$tmp/counter" "$1"
	wait_ready "$pid" "$out"
	wait_until 30 "the first count" test -s "$tmp/counter"
	check_perf_data
}

# The JVM of $pid holds a unix socket (java.nio's pre-close descriptor).
check_nio_socket() {
	local fd
	for fd in "/proc/$pid/fd/"*; do
		[[ $(readlink "$fd") == socket:* ]] && return 0
	done
	fail "java $pid holds no socket: java.nio did not make its pre-close descriptor"
}

file_changed() {
	[[ $(cksum <"$1") != "$2" ]]
}

# The JVM of $pid maps its perf data file shared, and its sampler thread keeps writing to it.
check_perf_data() {
	local file sum
	file=/tmp/hsperfdata_$(id -un)/$pid
	grep -qE "^[0-9a-f-]+ rw-s .* $file\$" "/proc/$pid/maps" ||
		fail "java $pid does not map $file shared"
	sum=$(cksum <"$file")
	wait_until 10 "java $pid to update $file" file_changed "$file" "$sum"
}

counted_past() {
	(($(cat "$tmp/counter") > $1))
}

test_java() {
	local at_dump final
	start_java_counters io
	dump_restore_counting check_perf_data
	log "counted from $at_dump at the dump to $final"
}

test_java_leave_running() {
	local at_dump
	start_java_counters io
	cryo_dump "$pid" "$tmp/img" -R
	untouched "$pid" || fail "java $pid is not running untouched after dump -R"
	at_dump=$(cat "$tmp/counter")
	wait_until 30 "java $pid to count past $at_dump" counted_past "$at_dump"
	check_perf_data
	touch "$go"
	wait_child "$job"
	((child_status == 0)) || fail "java exit status $child_status, want 0"
	wait_result "$pid" "$out"
}

# tail -f waits on its inotify watch of the file (it does not poll while it has one).
has_inotify_watch() {
	grep -qs '^inotify wd:' /proc/"$1"/fdinfo/*
}

test_tail() {
	local line
	echo "before the dump" >"$tmp/log"
	start "$out" /usr/bin/tail -f "$tmp/log"
	wait_until 10 "tail to show the file" grep -q "before the dump" "$out"
	wait_until 10 "tail $pid to watch the file" has_inotify_watch "$pid"
	dump_and_restore "$pid" "$tmp/img"
	[[ $CRYO_SKIP == 1 ]] || has_inotify_watch "$pid" || fail "restored tail has no inotify watch"
	line="after the restore $(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
	echo "$line" >>"$tmp/log"
	wait_until 10 "tail $pid to show '$line'" grep -qxF "$line" "$out"
	log "tail $pid showed '$line'"
	kill -TERM "$pid"
	wait_until 10 "tail $pid to die of SIGTERM" dead "$pid"
}

test_java_nio() {
	local at_dump final
	start_java_counters nio
	check_nio_socket
	dump_restore_counting check_nio_socket
	log "counted from $at_dump at the dump to $final, through java.nio"
}

case $1 in
sleep) test_sleep ;;
python) test_python ;;
python-threads) test_python_threads ;;
bash) test_bash ;;
java) test_java ;;
java-leave-running) test_java_leave_running ;;
tail) test_tail ;;
java-nio) test_java_nio ;;
*) fail "unknown program $1" ;;
esac
