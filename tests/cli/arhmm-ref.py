#!/usr/bin/env python3
"""arhmm-ref.py - independent (numpy) references for tests/cli/mz-arhmm.t.

usage: arhmm-ref.py ffbs FILE      brute-force HMM marginals vs selftest ffbs
       arhmm-ref.py mniw FILE      closed-form MNIW posterior vs selftest mniw
       arhmm-ref.py nmi CSV A B    sklearn NMI of columns A and B of CSV
       arhmm-ref.py marginals MODEL CSV
                                   forward-backward marginals of the model's
                                   HMM on the latent columns of CSV vs p*

Each prints "ok" or a line saying what differs (and exits 1).
"""
import itertools
import json
import sys

import numpy as np


def load(path):
    """The "name v0 v1 ..." lines of a selftest output as arrays."""
    out = {}
    for line in open(path):
        w = line.split()
        out[w[0]] = np.array([float(v) for v in w[1:]])
    return out


def fail(msg):
    print(msg)
    sys.exit(1)


def ffbs(path):
    d = load(path)
    K, N = 3, 6
    pi = d["pi"].reshape(K, K)
    ll = d["ll"].reshape(N, K)
    marg = np.zeros((N, K))
    total = 0.0
    for z in itertools.product(range(K), repeat=N):
        p = (1.0 / K) * np.exp(sum(ll[t, z[t]] for t in range(N)))
        for t in range(1, N):
            p *= pi[z[t - 1], z[t]]
        total += p
        for t in range(N):
            marg[t, z[t]] += p
    marg /= total
    exact = d["exact"].reshape(N, K)
    if not np.allclose(exact, marg, rtol=0, atol=1e-12):
        fail("exact marginals differ by %g" % np.abs(exact - marg).max())
    if abs(d["lognorm"][0] - np.log(total)) > 1e-10:
        fail("log normaliser %r, brute force %r" % (d["lognorm"][0],
                                                   np.log(total)))
    n = d["draws"][0]
    se = np.sqrt(marg * (1 - marg) / n)
    z = np.abs(d["mc"].reshape(N, K) - marg) / np.maximum(se, 1e-12)
    # 18 correlated cells: 5 standard errors is a 1-in-10^5 false alarm.
    if z.max() > 5:
        fail("FFBS frequencies off by %.2f standard errors" % z.max())
    print("ok")


def mniw(path):
    d = load(path)
    D, L = 2, 1
    P = D * L + 1
    x = d["x"].reshape(-1, D)
    u = np.hstack([x[:-1], np.ones((len(x) - 1, 1))])
    y = x[1:]
    k0 = 10.0
    K0inv = np.linalg.inv(k0 * np.eye(P) + 1e-6 * np.eye(P))
    M0 = np.zeros((D, P))
    M0[:, (L - 1) * D:L * D] = np.eye(D)
    Kninv = K0inv + u.T @ u
    B = Kninv + 1e-6 * np.eye(P)
    Kn = np.linalg.inv(B)
    Mn = np.linalg.solve(B, K0inv @ M0.T + (y.T @ u).T).T
    Sn = 0.01 * np.eye(D) + y.T @ y + M0 @ K0inv @ M0.T - Mn @ Kninv @ Mn.T
    nun = D + 2 + len(y)
    for name, want in (("Mn", Mn), ("Kn", Kn), ("Sn", Sn)):
        got = d[name].reshape(want.shape)
        if not np.allclose(got, want, rtol=1e-9, atol=1e-12):
            fail("%s differs by %g" % (name, np.abs(got - want).max()))
    if d["nun"][0] != nun:
        fail("nu_n %r, want %r" % (d["nun"][0], nun))
    # Moments of the draws: E[Q] = Sn / (nun - D - 1); E[A] = Mn;
    # Var(A_ij) = E[Q_ii] Kn_jj; Var(Q_ij) from the inverse-Wishart.
    n = 20000
    EQ = Sn / (nun - D - 1)
    p = nun - D
    VQ = np.array([[((p + 1) * Sn[i, j] ** 2 + (p - 1) * Sn[i, i] * Sn[j, j])
                    / ((nun - D) * (nun - D - 1) ** 2 * (nun - D - 3))
                    for j in range(D)] for i in range(D)])
    VA = np.outer(np.diag(EQ), np.diag(Kn))
    checks = (("meanQ", EQ, VQ), ("meanA", Mn, VA))
    for name, mean, var in checks:
        got = d[name].reshape(mean.shape)
        z = np.abs(got - mean) / np.sqrt(var / n)
        if z.max() > 5:
            fail("%s off by %.2f standard errors" % (name, z.max()))
    for name, want in (("varA", VA), ("varQ", VQ)):
        got = d[name].reshape(want.shape)
        # The sample variance of 20000 draws: within 10 % (about 7
        # standard errors for these nearly normal entries).
        if np.abs(got / want - 1).max() > 0.10:
            fail("%s off by %.1f %%" % (name,
                                        100 * np.abs(got / want - 1).max()))
    print("ok")


def nmi(path, a, b):
    from sklearn.metrics import normalized_mutual_info_score
    d = np.genfromtxt(path, delimiter=",", names=True)
    print("%.6f" % normalized_mutual_info_score(d[a], d[b]))


def marginals(model, path):
    doc = json.load(open(model + "/model.json"))
    K = doc["options"]["num_states"]
    L = doc["options"]["nlags"]
    cols = doc["columns"]
    D = len(cols)
    P = D * L + 1
    pi = np.fromfile(model + "/pi.f64", "<f8").reshape(K, K)
    Ab = np.fromfile(model + "/Ab.f64", "<f8").reshape(K, D, P)
    Q = np.fromfile(model + "/Q.f64", "<f8").reshape(K, D, D)
    d = np.genfromtxt(path, delimiter=",", names=True)
    seq = np.cumsum(d["frame"] == 0)
    worst = 0.0
    for s in np.unique(seq):
        m = seq == s
        x = np.stack([d[c][m] for c in cols], 1)
        T = len(x)
        u = np.hstack([x[L - 1 - i:T - 1 - i] for i in range(L - 1, -1, -1)]
                      + [np.ones((T - L, 1))])
        ll = np.zeros((T - L, K))
        for k in range(K):
            r = x[L:] - u @ Ab[k].T
            c = np.linalg.cholesky(Q[k])
            w = np.linalg.solve(c, r.T)
            ll[:, k] = (-0.5 * (w ** 2).sum(0) - np.log(np.diag(c)).sum()
                        - 0.5 * D * np.log(2 * np.pi))
        e = np.exp(ll - ll.max(1, keepdims=True))
        n = len(e)
        al = np.zeros((n, K))
        a = np.full(K, 1.0 / K) * e[0]
        al[0] = a / a.sum()
        for t in range(1, n):
            a = (al[t - 1] @ pi) * e[t]
            al[t] = a / a.sum()
        be = np.ones(K)
        g = np.zeros((n, K))
        for t in range(n - 1, -1, -1):
            if t < n - 1:
                be = pi @ (e[t + 1] * be)
                be /= be.sum()
            g[t] = al[t] * be
            g[t] /= g[t].sum()
        got = np.stack([d["p%d" % k][m] for k in range(K)], 1)[L:]
        worst = max(worst, np.abs(got - g).max())
    # The tool raises filtered probabilities below 1e-15 to 1e-15, as
    # upstream does; this reference does not.
    if worst > 1e-10:
        fail("marginals differ by %g" % worst)
    print("ok")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "ffbs":
        ffbs(sys.argv[2])
    elif cmd == "mniw":
        mniw(sys.argv[2])
    elif cmd == "nmi":
        nmi(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "marginals":
        marginals(sys.argv[2], sys.argv[3])
    else:
        fail("unknown command " + cmd)
