/*
 * mkh5 - test tool: write sample HDF5 files of the pose formats that have
 * no real sample in ../shared/data, with the HDF5 C library, laid out as
 * the real writers lay them out (each writer below names the code it
 * follows).  The values come from a fixed pseudo-random sequence, so a
 * file is the same on every run; tests read them back independently
 * (h5py) and compare with what mz-convert made of them.
 *
 * usage: mkh5 KIND FILE
 *
 *   nwb-rate     NWB 2.7 with ndx-pose 0.2: one processing module
 *                "behavior" with a Skeletons container (Skeleton "mouse1"
 *                and "mouse2", nodes and edges), two PoseEstimation
 *                containers "mouse1" and "mouse2" each linking its
 *                Skeleton, and per node a PoseEstimationSeries (data
 *                (T, 2) in pixels, confidence (T), starting_time with
 *                rate 30).
 *   nwb-ts       the same for one animal (container "PoseEstimation"),
 *                times from timestamps (T) at an uneven rate, and one
 *                series with conversion 0.5 (data in half-pixels).
 *   sleap-h5     SLEAP's analysis export (sleap/info/write_tracking_h5.py,
 *                the newer layout): tracks (tracks, 2, nodes, frames) -
 *                the transpose of SLEAP's (frames, nodes, 2, tracks)
 *                matrix -, track_occupancy (frames, tracks) uint8,
 *                point_scores (tracks, nodes, frames), instance_scores and
 *                tracking_scores (tracks, frames), gzip level 9; as lists,
 *                untransposed: track_names, node_names (fixed-length
 *                strings), edge_names (edges, 2), edge_inds (edges, 2)
 *                int64; scalars labels_path, video_path, provenance
 *                (variable-length strings) and video_ind.
 *   sleap-h5-untracked
 *                the same for a project without tracks: one column of
 *                instances, track_names an empty float64 dataset (what
 *                h5py makes of SLEAP's empty list).
 *   dlc-el       DeepLabCut's multi-animal tracks after stitching
 *                (deeplabcut/refine_training_dataset/stitch.py,
 *                TrackletStitcher.format_df and write_tracks:
 *                df.to_hdf(name, "tracks", format="table", mode="w")):
 *                key "tracks", a PyTables table with an int64 "index"
 *                (frames 0..last, rows before the first tracked frame
 *                all NaN) and values_block_0 holding the columns of a
 *                (scorer, individuals, bodyparts, coords) MultiIndex,
 *                coords x, y, likelihood, the unique bodyparts joined
 *                under individual "single"; the pandas and PyTables
 *                attributes, with the column index as protocol 0 pickles
 *                as PyTables stores them.
 *   dlc-el-ragged
 *                a dlc-el file whose values_block_0_kind pickle names
 *                one column fewer than the block holds (bad input).
 *   sleap-h5-badscores
 *                a sleap-h5 file whose point_scores has one frame fewer
 *                than tracks (bad input).
 *   nwb-badconf  an nwb-rate file whose first series' confidence has one
 *                sample fewer than its data (bad input).
 *
 * Prints "missing M of N points": of the N points (individual x bodypart
 * x frame) the tracks of the file have, the M it holds no value for.
 * Exit status 0, 1 if the file cannot be written, 2 for a bad usage.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

/* die: print a message and exit 1. */
static void
die(const char *what)
{
	fprintf(stderr, "mkh5: %s\n", what);
	exit(1);
}

/* ok: exit 1 with what when the HDF5 call's result r is negative. */
static hid_t
ok(hid_t r, const char *what)
{
	if (r < 0)
		die(what);
	return r;
}

/* ------------------------------------------------------------ values */

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

/* Points of the standard-tracks grid (individual x bodypart x frame) the
 * file holds, and those of them that are missing: printed at the end. */
static size_t n_slots, n_present;

/* uniform: the next number of a fixed sequence in [0, 1). */
static double
uniform(void)
{
	rng_state = rng_state * 6364136223846793005ULL +
	    1442695040888963407ULL;
	return (double)(rng_state >> 11) * 0x1.0p-53;
}

/* ----------------------------------------------------- HDF5 helpers */

/* attr_vstr: a scalar variable-length UTF-8 string attribute, as h5py
 * (and so hdmf/pynwb) writes str attributes. */
static void
attr_vstr(hid_t loc, const char *name, const char *val)
{
	hid_t t = ok(H5Tcopy(H5T_C_S1), "H5Tcopy");
	hid_t sp = ok(H5Screate(H5S_SCALAR), "H5Screate");
	hid_t a;

	ok(H5Tset_size(t, H5T_VARIABLE), "H5Tset_size");
	ok(H5Tset_cset(t, H5T_CSET_UTF8), "H5Tset_cset");
	a = ok(H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT), name);
	ok(H5Awrite(a, t, &val), name);
	H5Aclose(a);
	H5Sclose(sp);
	H5Tclose(t);
}

/* attr_fstr: a scalar fixed-length NUL-terminated string attribute of
 * exactly strlen(val) bytes (at least 1), as PyTables writes them;
 * empty: a NULL dataspace (PyTables' empty TITLE). */
static void
attr_fstr(hid_t loc, const char *name, const char *val, H5T_cset_t cset,
    int empty)
{
	size_t n = strlen(val);
	hid_t t = ok(H5Tcopy(H5T_C_S1), "H5Tcopy");
	hid_t sp = ok(H5Screate(empty ? H5S_NULL : H5S_SCALAR), "H5Screate");
	hid_t a;

	ok(H5Tset_size(t, n ? n : 1), "H5Tset_size");
	ok(H5Tset_strpad(t, H5T_STR_NULLTERM), "H5Tset_strpad");
	ok(H5Tset_cset(t, cset), "H5Tset_cset");
	a = ok(H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT), name);
	if (!empty)
		ok(H5Awrite(a, t, val), name);
	H5Aclose(a);
	H5Sclose(sp);
	H5Tclose(t);
}

/* attr_num: a scalar numeric attribute of HDF5 type t (value converted
 * from the double v). */
static void
attr_num(hid_t loc, const char *name, hid_t t, double v)
{
	hid_t sp = ok(H5Screate(H5S_SCALAR), "H5Screate");
	hid_t a = ok(H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT),
	    name);

	ok(H5Awrite(a, H5T_NATIVE_DOUBLE, &v), name);
	H5Aclose(a);
	H5Sclose(sp);
}

/* dset: a dataset name in loc of file type ft and the given shape from
 * buf (memory type mt), gzip-compressed (level gz) in one chunk when gz is
 * not negative and the data is not empty; its id (close it). */
static hid_t
dset(hid_t loc, const char *name, hid_t ft, hid_t mt, int rank,
    const hsize_t *dims, const void *buf, int gz)
{
	hid_t sp = ok(rank ? H5Screate_simple(rank, dims, NULL) :
	    H5Screate(H5S_SCALAR), "H5Screate");
	hid_t pl = ok(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate");
	hsize_t n = 1;
	hid_t d;

	for (int i = 0; i < rank; i++)
		n *= dims[i];
	if (gz >= 0 && rank > 0 && n > 0) {
		ok(H5Pset_chunk(pl, rank, dims), "H5Pset_chunk");
		ok(H5Pset_deflate(pl, (unsigned)gz), "H5Pset_deflate");
	}
	d = ok(H5Dcreate2(loc, name, ft, sp, H5P_DEFAULT, pl, H5P_DEFAULT),
	    name);
	if (n > 0)
		ok(H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), name);
	H5Pclose(pl);
	H5Sclose(sp);
	return d;
}

/* dset_f64: a float64 dataset (see dset); closed. */
static void
dset_f64(hid_t loc, const char *name, int rank, const hsize_t *dims,
    const double *v, int gz)
{
	H5Dclose(dset(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, rank,
	    dims, v, gz));
}

/* dset_vstrs: a dataset of n variable-length UTF-8 strings (rank 1, or
 * scalar when n is 0); its id (close it). */
static hid_t
dset_vstrs(hid_t loc, const char *name, const char *const *s, size_t n)
{
	hid_t t = ok(H5Tcopy(H5T_C_S1), "H5Tcopy");
	hsize_t dim = n;
	hid_t d;

	ok(H5Tset_size(t, H5T_VARIABLE), "H5Tset_size");
	ok(H5Tset_cset(t, H5T_CSET_UTF8), "H5Tset_cset");
	d = dset(loc, name, t, t, n ? 1 : 0, &dim, s, -1);
	H5Tclose(t);
	return d;
}

/* dset_vstr: a scalar variable-length string dataset; closed. */
static void
dset_vstr(hid_t loc, const char *name, const char *s)
{
	hid_t t = ok(H5Tcopy(H5T_C_S1), "H5Tcopy");

	ok(H5Tset_size(t, H5T_VARIABLE), "H5Tset_size");
	ok(H5Tset_cset(t, H5T_CSET_UTF8), "H5Tset_cset");
	H5Dclose(dset(loc, name, t, t, 0, NULL, &s, -1));
	H5Tclose(t);
}

/* dset_fstrs: n fixed-length byte strings (numpy 'S', as h5py writes a
 * list of np.string_) in shape rank/dims; closed. */
static void
dset_fstrs(hid_t loc, const char *name, const char *const *s, size_t n,
    int rank, const hsize_t *dims)
{
	size_t w = 1;
	char *buf;
	hid_t t = ok(H5Tcopy(H5T_C_S1), "H5Tcopy");

	for (size_t i = 0; i < n; i++)
		if (strlen(s[i]) > w)
			w = strlen(s[i]);
	if ((buf = calloc(n ? n : 1, w)) == NULL)
		die("out of memory");
	for (size_t i = 0; i < n; i++)
		memcpy(buf + i * w, s[i], strlen(s[i]));
	ok(H5Tset_size(t, w), "H5Tset_size");
	ok(H5Tset_strpad(t, H5T_STR_NULLPAD), "H5Tset_strpad");
	H5Dclose(dset(loc, name, t, t, rank, dims, buf, -1));
	H5Tclose(t);
	free(buf);
}

/* group: a new group name in loc; its id (close it). */
static hid_t
group(hid_t loc, const char *name)
{
	return ok(H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT,
	    H5P_DEFAULT), name);
}

/* ------------------------------------------------------------- NWB */

static int uuid_n;

/* nwb_obj: the attributes hdmf gives every typed object: namespace,
 * neurodata_type and an object_id (a fixed, unique uuid4-shaped text). */
static void
nwb_obj(hid_t loc, const char *ns, const char *type)
{
	char id[40];

	snprintf(id, sizeof id, "6f1c2a4e-0b7d-4c3e-9a1f-%012d", ++uuid_n);
	attr_vstr(loc, "namespace", ns);
	attr_vstr(loc, "neurodata_type", type);
	attr_vstr(loc, "object_id", id);
}

/* nwb_file: the NWBFile root of a new file path: attributes, the required
 * datasets and top-level groups; the file id. */
static hid_t
nwb_file(const char *path)
{
	hid_t f = ok(H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT,
	    H5P_DEFAULT), path);
	static const char *const top[] = { "acquisition", "analysis",
		"general", "processing", "stimulus", "specifications" };
	const char *date = "2024-05-01T10:00:00+00:00";

	nwb_obj(f, "core", "NWBFile");
	attr_vstr(f, "nwb_version", "2.7.0");
	for (size_t i = 0; i < sizeof top / sizeof top[0]; i++)
		H5Gclose(group(f, top[i]));
	H5Dclose(dset_vstrs(f, "file_create_date", &date, 1));
	dset_vstr(f, "identifier", "mkh5-ndx-pose-0.2");
	dset_vstr(f, "session_description", "written by mkh5 for the tests");
	dset_vstr(f, "session_start_time", date);
	dset_vstr(f, "timestamps_reference_time", date);
	return f;
}

static const char *const NWB_NODES[] = { "snout", "left_ear", "right_ear",
	"tail_base" };
enum { NWB_NN = 4 };

/* nwb_skeleton: Skeleton name in the Skeletons group sk: nodes and edges
 * (uint8 pairs: snout-left_ear, snout-right_ear, left_ear-tail_base,
 * right_ear-tail_base). */
static void
nwb_skeleton(hid_t sk, const char *name)
{
	static const uint8_t edges[4][2] = { { 0, 1 }, { 0, 2 }, { 1, 3 },
		{ 2, 3 } };
	hsize_t ed[2] = { 4, 2 };
	hid_t g = group(sk, name);

	nwb_obj(g, "ndx-pose", "Skeleton");
	H5Dclose(dset_vstrs(g, "nodes", NWB_NODES, NWB_NN));
	H5Dclose(dset(g, "edges", H5T_STD_U8LE, H5T_NATIVE_UINT8, 2, ed,
	    edges, -1));
	H5Gclose(g);
}

/*
 * nwb_pe: PoseEstimation name in module m, linked to skeleton (a path),
 * with T samples per series: times from starting_time and rate (rate >
 * 0) or from timestamps (uneven).  The series of node 1 has conversion
 * conv (its data are the pixel values divided by conv).  When badconf,
 * the first series' confidence is one sample short.
 */
static void
nwb_pe(hid_t m, const char *name, const char *skeleton, size_t T,
    double rate, double conv, int badconf)
{
	hid_t pe = group(m, name);
	const char *video = "videos/session1.mp4";
	uint64_t dims[2] = { 640, 480 };
	hsize_t dd[2] = { 1, 2 };
	double *data = malloc(T * 2 * sizeof *data);
	double *conf = malloc(T * sizeof *conf);
	double *ts = malloc(T * sizeof *ts);
	hid_t d;

	if (data == NULL || conf == NULL || ts == NULL)
		die("out of memory");
	nwb_obj(pe, "ndx-pose", "PoseEstimation");
	attr_vstr(pe, "description", "Estimated positions of the mouse's "
	    "body parts, written by mkh5.");
	H5Dclose(dset_vstrs(pe, "original_videos", &video, 1));
	H5Dclose(dset(pe, "dimensions", H5T_STD_U64LE, H5T_NATIVE_UINT64, 2,
	    dd, dims, -1));
	dset_vstr(pe, "scorer", "DLC_resnet50_mkh5May1shuffle1_1000");
	{
		const char *sw = "DeepLabCut";
		hid_t t = ok(H5Tcopy(H5T_C_S1), "H5Tcopy");

		ok(H5Tset_size(t, H5T_VARIABLE), "H5Tset_size");
		ok(H5Tset_cset(t, H5T_CSET_UTF8), "H5Tset_cset");
		d = dset(pe, "source_software", t, t, 0, NULL, &sw, -1);
		attr_vstr(d, "version", "2.3.9");
		H5Dclose(d);
		H5Tclose(t);
	}
	ok(H5Lcreate_soft(skeleton, pe, "skeleton", H5P_DEFAULT,
	    H5P_DEFAULT), "skeleton link");
	for (size_t j = 0; j < NWB_NN; j++) {
		hid_t s = group(pe, NWB_NODES[j]);
		hsize_t dim2[2] = { T, 2 }, dim1 = T - (badconf && j == 0);
		double c = j == 1 ? conv : 1;

		nwb_obj(s, "ndx-pose", "PoseEstimationSeries");
		attr_vstr(s, "description", "Estimated position.");
		attr_vstr(s, "comments", "no comments");
		for (size_t t = 0; t < T; t++) {
			int miss = uniform() < 0.1;

			n_slots++;
			n_present += !miss;
			data[2 * t] = miss ? NAN : (20 + 600 * uniform()) / c;
			data[2 * t + 1] = miss ? NAN : (10 + 460 * uniform()) /
			    c;
			conf[t] = miss ? NAN : uniform();
		}
		d = dset(s, "data", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dim2,
		    data, -1);
		attr_vstr(d, "unit", "pixels");
		attr_num(d, "conversion", H5T_IEEE_F32LE, c);
		attr_num(d, "resolution", H5T_IEEE_F32LE, -1);
		attr_num(d, "offset", H5T_IEEE_F32LE, 0);
		H5Dclose(d);
		d = dset(s, "confidence", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1,
		    &dim1, conf, -1);
		attr_vstr(d, "definition", "Softmax output of the deep neural "
		    "network.");
		H5Dclose(d);
		dset_vstr(s, "reference_frame", "(0,0) is the top left corner "
		    "of the video frame.");
		if (rate > 0) {
			double t0 = 0.5;

			d = dset(s, "starting_time", H5T_IEEE_F64LE,
			    H5T_NATIVE_DOUBLE, 0, NULL, &t0, -1);
			attr_num(d, "rate", H5T_IEEE_F32LE, rate);
			attr_vstr(d, "unit", "seconds");
			H5Dclose(d);
		} else {
			/* Uneven frame times, the same for every series. */
			for (size_t t = 0; t < T; t++)
				ts[t] = 1.25 + 0.04 * (double)t +
				    0.001 * (double)(t % 3);
			d = dset(s, "timestamps", H5T_IEEE_F64LE,
			    H5T_NATIVE_DOUBLE, 1, dim2, ts, -1);
			attr_num(d, "interval", H5T_STD_I32LE, 1);
			attr_vstr(d, "unit", "seconds");
			H5Dclose(d);
		}
		H5Gclose(s);
	}
	H5Gclose(pe);
	free(data);
	free(conf);
	free(ts);
}

/* write_nwb: the nwb-rate (multi = 1) or nwb-ts (multi = 0) file. */
static void
write_nwb(const char *path, int multi, int badconf)
{
	hid_t f = nwb_file(path), p, m, sk;

	p = ok(H5Gopen2(f, "processing", H5P_DEFAULT), "processing");
	m = group(p, "behavior");
	nwb_obj(m, "core", "ProcessingModule");
	attr_vstr(m, "description", "processed behavioral data");
	sk = group(m, "Skeletons");
	nwb_obj(sk, "ndx-pose", "Skeletons");
	if (multi) {
		nwb_skeleton(sk, "mouse1");
		nwb_skeleton(sk, "mouse2");
		nwb_pe(m, "mouse1", "/processing/behavior/Skeletons/mouse1",
		    50, 30, 1, badconf);
		nwb_pe(m, "mouse2", "/processing/behavior/Skeletons/mouse2",
		    50, 30, 1, 0);
	} else {
		nwb_skeleton(sk, "subject");
		nwb_pe(m, "PoseEstimation",
		    "/processing/behavior/Skeletons/subject", 40, 0, 0.5, 0);
	}
	H5Gclose(sk);
	H5Gclose(m);
	H5Gclose(p);
	ok(H5Fclose(f), path);
}

/* ----------------------------------------------------------- SLEAP */

/* write_sleap: the sleap-h5 (tracked) or sleap-h5-untracked file; with
 * badscores, point_scores is one frame short. */
static void
write_sleap(const char *path, int tracked, int badscores)
{
	static const char *const nodes[] = { "head", "thorax", "abdomen",
		"wingL", "wingR" };
	static const char *const tnames[] = { "track_0", "track_1",
		"female" };
	static const char *const enames[] = { "head", "thorax", "thorax",
		"abdomen", "thorax", "wingL", "thorax", "wingR" };
	static const int64_t einds[4][2] = { { 0, 1 }, { 1, 2 }, { 1, 3 },
		{ 1, 4 } };
	const size_t F = 60, N = 5, T = tracked ? 3 : 1;
	size_t sF = badscores ? F - 1 : F;
	/* SLEAP's matrices, in its own (MATLAB-minded) orientation. */
	double *loc = malloc(F * N * 2 * T * sizeof *loc);
	double *ps = malloc(F * N * T * sizeof *ps);
	double *is = malloc(F * T * sizeof *is), *ts = malloc(F * T *
	    sizeof *ts);
	uint8_t *occ = calloc(T * F, 1);
	double *tl, *tps, *tis, *tts;
	uint8_t *tocc;
	hsize_t d4[4] = { T, 2, N, F }, d3[3] = { T, N, sF }, d2[2] = { T, F },
	    o2[2] = { F, T }, e2[2] = { 4, 2 }, n1 = N, t1 = T;
	hid_t f, d;

	tl = malloc(F * N * 2 * T * sizeof *tl);
	tps = malloc(F * N * T * sizeof *tps);
	tis = malloc(F * T * sizeof *tis);
	tts = malloc(F * T * sizeof *tts);
	tocc = malloc(T * F);
	if (!loc || !ps || !is || !ts || !occ || !tl || !tps || !tis || !tts ||
	    !tocc)
		die("out of memory");
	for (size_t i = 0; i < F * N * 2 * T; i++)
		loc[i] = NAN;
	for (size_t i = 0; i < F * N * T; i++)
		ps[i] = NAN;
	for (size_t i = 0; i < F * T; i++)
		is[i] = ts[i] = NAN;
	/* Frames 0-4 unlabelled (all_frames=True keeps them); then each
	 * track is present in most frames, some nodes invisible; user
	 * instances (no scores) in frames divisible by 17. */
	n_slots = F * N * T;
	for (size_t fr = 5; fr < F; fr++)
		for (size_t t = 0; t < T; t++) {
			int user = fr % 17 == 0;

			if (uniform() < 0.15)
				continue;
			occ[t * F + fr] = 1;
			for (size_t j = 0; j < N; j++) {
				int vis = uniform() >= 0.1;
				double x = 50 + 900 * uniform();
				double y = 40 + 700 * uniform();
				double sc = uniform();

				n_present += vis;
				if (vis) {
					loc[((fr * N + j) * 2 + 0) * T + t] = x;
					loc[((fr * N + j) * 2 + 1) * T + t] = y;
				}
				if (!user)
					ps[(fr * N + j) * T + t] = vis ? sc :
					    0;
			}
			if (!user) {
				is[fr * T + t] = uniform();
				ts[fr * T + t] = uniform();
			}
		}
	/* np.transpose: reverse every axis. */
	for (size_t fr = 0; fr < F; fr++)
		for (size_t j = 0; j < N; j++)
			for (size_t c = 0; c < 2; c++)
				for (size_t t = 0; t < T; t++)
					tl[((t * 2 + c) * N + j) * F + fr] =
					    loc[((fr * N + j) * 2 + c) * T + t];
	for (size_t fr = 0; fr < F; fr++)
		for (size_t j = 0; j < N; j++)
			for (size_t t = 0; t < T; t++)
				tps[(t * N + j) * F + fr] = ps[(fr * N + j) *
				    T + t];
	for (size_t fr = 0; fr < F; fr++)
		for (size_t t = 0; t < T; t++) {
			tis[t * F + fr] = is[fr * T + t];
			tts[t * F + fr] = ts[fr * T + t];
			tocc[fr * T + t] = occ[t * F + fr];
		}
	f = ok(H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
	    path);
	/* data_dict's order: track_names, node_names, edge_names, edge_inds,
	 * tracks, track_occupancy, point_scores, instance_scores,
	 * tracking_scores, labels_path, video_path, video_ind, provenance. */
	if (tracked)
		dset_fstrs(f, "track_names", tnames, T, 1, &t1);
	else {
		hsize_t zero = 0;

		dset_f64(f, "track_names", 1, &zero, NULL, -1);
	}
	dset_fstrs(f, "node_names", nodes, N, 1, &n1);
	dset_fstrs(f, "edge_names", enames, 8, 2, e2);
	H5Dclose(dset(f, "edge_inds", H5T_STD_I64LE, H5T_NATIVE_INT64, 2, e2,
	    einds, -1));
	dset_f64(f, "tracks", 4, d4, tl, 9);
	{
		/* track_occupancy (tracks, frames) transposed: (frames,
		 * tracks). */
		H5Dclose(dset(f, "track_occupancy", H5T_STD_U8LE,
		    H5T_NATIVE_UINT8, 2, o2, tocc, 9));
	}
	if (badscores) {
		/* The first sF frames of each (track, node) row. */
		for (size_t t = 0; t < T; t++)
			for (size_t j = 0; j < N; j++)
				memmove(tps + (t * N + j) * sF, tps + (t * N +
				    j) * F, sF * sizeof *tps);
	}
	dset_f64(f, "point_scores", 3, d3, tps, 9);
	dset_f64(f, "instance_scores", 2, d2, tis, 9);
	dset_f64(f, "tracking_scores", 2, d2, tts, 9);
	dset_vstr(f, "labels_path", "None");
	dset_vstr(f, "video_path", "/data/flies/2024-05-01_arena3.mp4");
	{
		int64_t vi = 0;

		d = dset(f, "video_ind", H5T_STD_I64LE, H5T_NATIVE_INT64, 0,
		    NULL, &vi, -1);
		H5Dclose(d);
	}
	dset_vstr(f, "provenance", "{\"model_paths\": [\"models/"
	    "240501_centroid\", \"models/240501_centered_instance\"]}");
	ok(H5Fclose(f), path);
	free(loc);
	free(ps);
	free(is);
	free(ts);
	free(occ);
	free(tl);
	free(tps);
	free(tis);
	free(tts);
	free(tocc);
}

/* ---------------------------------------------- pickles (protocol 0) */

/* A protocol 0 pickle being written, with Python's memo: a string seen
 * before is fetched ("gN"), as pickle.dumps(value, 0) does for the
 * shared level values of a pandas MultiIndex. */
struct pk {
	char buf[1 << 16];
	size_t len;
	int memo;
	const char *seen[512];
	int id[512];
	size_t nseen;
};

/* pk_put: append printf-style text to p. */
static void
pk_put(struct pk *p, const char *fmt, const char *s, int n)
{
	int w = snprintf(p->buf + p->len, sizeof p->buf - p->len, fmt, s ? s :
	    "", n);

	if (w < 0 || (size_t)w >= sizeof p->buf - p->len)
		die("pickle too long");
	p->len += (size_t)w;
}

/* pk_str: a str (V, raw-unicode-escape: the names here need none of its
 * escapes), memoized. */
static void
pk_str(struct pk *p, const char *s)
{
	for (size_t i = 0; i < p->nseen; i++)
		if (strcmp(p->seen[i], s) == 0) {
			pk_put(p, "%sg%d\n", "", p->id[i]);
			return;
		}
	if (p->nseen == sizeof p->seen / sizeof p->seen[0])
		die("too many pickle strings");
	p->seen[p->nseen] = s;
	p->id[p->nseen++] = p->memo;
	pk_put(p, "V%s\np%d\n", s, p->memo++);
}

/* pk_open: MARK and an empty list (l) or dict (d), memoized. */
static void
pk_open(struct pk *p, char kind)
{
	char k[2] = { kind, 0 };

	pk_put(p, "(%sp%d\n", k, p->memo++);
}

/* pk_tuple_end: TUPLE from the mark, memoized. */
static void
pk_tuple_end(struct pk *p)
{
	pk_put(p, "%stp%d\n", "", p->memo++);
}

/* pk_int: a Python int as protocol 0 writes it ("L1L"). */
static void
pk_int(struct pk *p, int v)
{
	pk_put(p, "%sL%dL\n", "", v);
}

/* pk_raw: append literal opcodes. */
static void
pk_raw(struct pk *p, const char *s)
{
	pk_put(p, "%s", s, 0);
}

/* pk_columns: the list of column tuples of the MultiIndex (lev[c][0..4)
 * for column c of ncol) as list items. */
static void
pk_columns(struct pk *p, const char *const (*lev)[4], size_t ncol)
{
	for (size_t c = 0; c < ncol; c++) {
		pk_raw(p, "(");
		for (int l = 0; l < 4; l++)
			pk_str(p, lev[c][l]);
		pk_tuple_end(p);
		pk_raw(p, "a");
	}
}

/* -------------------------------------------------- DeepLabCut _el.h5 */

/* write_dlc_el: the dlc-el file (ragged: the kind pickle one column
 * short). */
static void
write_dlc_el(const char *path, int ragged)
{
	static const char *const inds[] = { "mouse1", "mouse2", "mouse3" };
	static const char *const bps[] = { "snout", "leftear", "rightear",
		"tailbase" };
	static const char *const coords[] = { "x", "y", "likelihood" };
	const char *scorer = "DLC_dlcrnetms5_mkh5May1shuffle1_200000";
	enum { NI = 3, NB = 4, NU = 1, FIRST = 6, ROWS = 80 };
	enum { NCOL = (NI * NB + NU) * 3 };
	const char *(*lev)[4] = malloc(NCOL * sizeof *lev);
	struct { int64_t index; double v[NCOL]; } *rec;
	struct pk *p = malloc(sizeof *p);
	hid_t f, g, d, ct, at, sp, pl;
	hsize_t nrows = ROWS, adim = NCOL, chunk = 1024;
	size_t c = 0;

	rec = calloc(ROWS, sizeof *rec);
	if (lev == NULL || rec == NULL || p == NULL)
		die("out of memory");
	/* format_df: the tracks' columns, then join(single, how="outer"). */
	for (size_t i = 0; i < NI; i++)
		for (size_t b = 0; b < NB; b++)
			for (size_t k = 0; k < 3; k++, c++) {
				lev[c][0] = scorer;
				lev[c][1] = inds[i];
				lev[c][2] = bps[b];
				lev[c][3] = coords[k];
			}
	for (size_t k = 0; k < 3; k++, c++) {
		lev[c][0] = scorer;
		lev[c][1] = "single";
		lev[c][2] = "led";
		lev[c][3] = coords[k];
	}
	/* Every individual gets every bodypart in the tracks. */
	n_slots = (size_t)(NI + 1) * (NB + NU) * ROWS;
	for (size_t r = 0; r < ROWS; r++) {
		rec[r].index = (int64_t)r;
		for (size_t k = 0; k < NCOL; k++)
			rec[r].v[k] = NAN;
		for (size_t pt = 0; pt < NCOL / 3; pt++) {
			int single = pt >= NI * NB;

			/* The tracks start at FIRST (reindexed to 0..last);
			 * the LED, a unique bodypart, is seen from frame 2. */
			if ((int)r < (single ? 2 : FIRST) || uniform() < 0.12)
				continue;
			n_present++;
			rec[r].v[3 * pt] = 10 + 1200 * uniform();
			rec[r].v[3 * pt + 1] = 10 + 900 * uniform();
			rec[r].v[3 * pt + 2] = 0.05 + 0.95 * uniform();
		}
	}
	f = ok(H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
	    path);
	attr_fstr(f, "CLASS", "GROUP", H5T_CSET_UTF8, 0);
	attr_fstr(f, "PYTABLES_FORMAT_VERSION", "2.1", H5T_CSET_UTF8, 0);
	attr_fstr(f, "TITLE", "", H5T_CSET_UTF8, 1);
	attr_fstr(f, "VERSION", "1.0", H5T_CSET_UTF8, 0);
	g = group(f, "tracks");
	attr_fstr(g, "CLASS", "GROUP", H5T_CSET_UTF8, 0);
	attr_fstr(g, "TITLE", "", H5T_CSET_UTF8, 1);
	attr_fstr(g, "VERSION", "1.0", H5T_CSET_UTF8, 0);
	attr_fstr(g, "data_columns", "(lp0\n.", H5T_CSET_ASCII, 0);
	attr_fstr(g, "encoding", "UTF-8", H5T_CSET_UTF8, 0);
	attr_fstr(g, "errors", "strict", H5T_CSET_UTF8, 0);
	attr_fstr(g, "index_cols", "(lp0\n(L0L\nVindex\np1\ntp2\na.",
	    H5T_CSET_ASCII, 0);
	/* info: {1: {'names': [...], 'type': 'MultiIndex'}, 'index': {}} */
	memset(p, 0, sizeof *p);
	pk_open(p, 'd');
	pk_int(p, 1);
	pk_open(p, 'd');
	pk_str(p, "names");
	pk_open(p, 'l');
	pk_str(p, "scorer");
	pk_raw(p, "a");
	pk_str(p, "individuals");
	pk_raw(p, "a");
	pk_str(p, "bodyparts");
	pk_raw(p, "a");
	pk_str(p, "coords");
	pk_raw(p, "as");
	pk_str(p, "type");
	pk_str(p, "MultiIndex");
	pk_raw(p, "ss");
	pk_str(p, "index");
	pk_open(p, 'd');
	pk_raw(p, "s.");
	attr_fstr(g, "info", p->buf, H5T_CSET_ASCII, 0);
	attr_num(g, "levels", H5T_STD_I32LE, 1);
	attr_fstr(g, "metadata", "(lp0\n.", H5T_CSET_ASCII, 0);
	attr_fstr(g, "nan_rep", "nan", H5T_CSET_UTF8, 0);
	/* non_index_axes: [(1, [column tuples])] */
	memset(p, 0, sizeof *p);
	pk_open(p, 'l');
	pk_raw(p, "(");
	pk_int(p, 1);
	pk_open(p, 'l');
	pk_columns(p, lev, NCOL);
	pk_tuple_end(p);
	pk_raw(p, "a.");
	attr_fstr(g, "non_index_axes", p->buf, H5T_CSET_ASCII, 0);
	attr_fstr(g, "pandas_type", "frame_table", H5T_CSET_UTF8, 0);
	attr_fstr(g, "pandas_version", "0.15.2", H5T_CSET_UTF8, 0);
	attr_fstr(g, "table_type", "appendable_frame", H5T_CSET_UTF8, 0);
	attr_fstr(g, "values_cols", "(lp0\nVvalues_block_0\np1\na.",
	    H5T_CSET_ASCII, 0);
	/* The table: a compound of the index and the values block. */
	at = ok(H5Tarray_create2(H5T_IEEE_F64LE, 1, &adim), "array type");
	ct = ok(H5Tcreate(H5T_COMPOUND, 8 + NCOL * 8), "compound");
	ok(H5Tinsert(ct, "index", 0, H5T_STD_I64LE), "index");
	ok(H5Tinsert(ct, "values_block_0", 8, at), "values_block_0");
	sp = ok(H5Screate_simple(1, &nrows, NULL), "space");
	pl = ok(H5Pcreate(H5P_DATASET_CREATE), "plist");
	ok(H5Pset_chunk(pl, 1, &chunk), "chunk");
	{
		hsize_t maxd = H5S_UNLIMITED;

		H5Sclose(sp);
		sp = ok(H5Screate_simple(1, &nrows, &maxd), "space");
	}
	d = ok(H5Dcreate2(g, "table", ct, sp, H5P_DEFAULT, pl, H5P_DEFAULT),
	    "table");
	{
		hid_t mat = ok(H5Tarray_create2(H5T_NATIVE_DOUBLE, 1, &adim),
		    "array type");
		hid_t mt = ok(H5Tcreate(H5T_COMPOUND, sizeof *rec), "mem");

		ok(H5Tinsert(mt, "index", 0, H5T_NATIVE_INT64), "index");
		ok(H5Tinsert(mt, "values_block_0", 8, mat), "values");
		ok(H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, rec), "table");
		H5Tclose(mt);
		H5Tclose(mat);
	}
	attr_fstr(d, "CLASS", "TABLE", H5T_CSET_UTF8, 0);
	attr_num(d, "FIELD_0_FILL", H5T_STD_I64LE, 0);
	attr_fstr(d, "FIELD_0_NAME", "index", H5T_CSET_UTF8, 0);
	attr_num(d, "FIELD_1_FILL", H5T_IEEE_F64LE, 0);
	attr_fstr(d, "FIELD_1_NAME", "values_block_0", H5T_CSET_UTF8, 0);
	attr_num(d, "NROWS", H5T_STD_I64LE, ROWS);
	attr_fstr(d, "TITLE", "", H5T_CSET_UTF8, 1);
	attr_fstr(d, "VERSION", "2.7", H5T_CSET_UTF8, 0);
	attr_fstr(d, "index_kind", "integer", H5T_CSET_UTF8, 0);
	attr_fstr(d, "values_block_0_dtype", "float64", H5T_CSET_UTF8, 0);
	memset(p, 0, sizeof *p);
	pk_open(p, 'l');
	pk_columns(p, lev, ragged ? NCOL - 1 : NCOL);
	pk_raw(p, ".");
	attr_fstr(d, "values_block_0_kind", p->buf, H5T_CSET_ASCII, 0);
	attr_fstr(d, "values_block_0_meta", "N.", H5T_CSET_ASCII, 0);
	H5Dclose(d);
	H5Pclose(pl);
	H5Sclose(sp);
	H5Tclose(ct);
	H5Tclose(at);
	H5Gclose(g);
	ok(H5Fclose(f), path);
	free(lev);
	free(rec);
	free(p);
}

int
main(int argc, char **argv)
{
	const char *k;

	if (argc != 3) {
		fprintf(stderr, "usage: mkh5 KIND FILE\n");
		return 2;
	}
	k = argv[1];
	if (strcmp(k, "nwb-rate") == 0)
		write_nwb(argv[2], 1, 0);
	else if (strcmp(k, "nwb-badconf") == 0)
		write_nwb(argv[2], 1, 1);
	else if (strcmp(k, "nwb-ts") == 0)
		write_nwb(argv[2], 0, 0);
	else if (strcmp(k, "sleap-h5") == 0)
		write_sleap(argv[2], 1, 0);
	else if (strcmp(k, "sleap-h5-untracked") == 0)
		write_sleap(argv[2], 0, 0);
	else if (strcmp(k, "sleap-h5-badscores") == 0)
		write_sleap(argv[2], 1, 1);
	else if (strcmp(k, "dlc-el") == 0)
		write_dlc_el(argv[2], 0);
	else if (strcmp(k, "dlc-el-ragged") == 0)
		write_dlc_el(argv[2], 1);
	else {
		fprintf(stderr, "mkh5: unknown kind '%s'\n", k);
		return 2;
	}
	printf("missing %zu of %zu points\n", n_slots - n_present, n_slots);
	return 0;
}
