// Package multinode holds only tests: iysgate run as the README's "Running
// several nodes" describes it. The test builds the real binary and starts
// one PostgreSQL, one standalone İYS simulator (iysgate iys-sim, with
// faults) and two iysgate serve processes on the same database, reached in
// turn as a load balancer would; it kills one node with SIGKILL in the
// middle of a delivery and checks what an operator would: every consent
// final, none stored twice at İYS, the quota exact, İYS's per-second and
// token limits kept by the installation as a whole, a web session valid on
// either node, and a role change made on one node enforced on the other
// within a second.
package multinode
