#!/bin/sh
# conv-seeds.sh - write the seed corpora of mz-convert's fuzz targets
# (scripts/fuzz.sh) into DIR/npy, DIR/csv-dlc, DIR/csv-sleap and
# DIR/csv-anipose: small files in the layouts the real tools write
# (DeepLabCut CSV with 3 and 4 header rows, likelihood present and absent,
# image-path indexes split over 3 columns, pandas ".1" scorer suffixes,
# prefixed bodyparts, an individual "single", CRLF line ends and quoted
# cells; SLEAP's analysis CSV with tracked and untracked rows out of frame
# order; anipose's 3-D CSV; .npy arrays of every supported dtype, byte
# order, format version and memory order).
#
# usage: tests/fuzz/conv-seeds.sh DIR
# Exit status 0, or 1 if a file cannot be written.
set -eu
D=$1
mkdir -p "$D/npy" "$D/csv-dlc" "$D/csv-sleap" "$D/csv-anipose"

c=$D/csv-dlc
cat > "$c/pred3" <<'X'
scorer,DLC_resnet50_aJan1shuffle1_100,DLC_resnet50_aJan1shuffle1_100,DLC_resnet50_aJan1shuffle1_100,DLC_resnet50_aJan1shuffle1_100,DLC_resnet50_aJan1shuffle1_100,DLC_resnet50_aJan1shuffle1_100
bodyparts,nose,nose,nose,tail,tail,tail
coords,x,y,likelihood,x,y,likelihood
0,12.5,30.25,0.9909999966621399,-1.5e2,4.0,0.5
1,,,,100.0000000000001,7.25,0.01
2,13.5,31.25,1.0,0.0,0.0,0.0
X
cat > "$c/ma4" <<'X'
scorer,S,S.1,S.2,S.3,S,S,S,S,S,S,S,S
individuals,mouse1,mouse1,mouse1,mouse1,mouse1,mouse1,mouse2,mouse2,mouse2,single,single,single
bodyparts,nose,nose,nose,ear,ear,ear,nose,nose,nose,obj,obj,obj
coords,x,y,likelihood,x,y,likelihood,x,y,likelihood,x,y,likelihood
0,1,2,0.5,3,4,0.5,5,6,0.7,7,8,0.9
1,1.1,2.1,0.6,,,,5.1,6.1,0.8,7,8,0.9
5,nan,NaN,nan,3.3,4.3,0.2,5.2,6.2,0.1,7,8,1
X
cat > "$c/labels" <<'X'
scorer,Pranav,Pranav,Pranav,Pranav
bodyparts,snout,snout,leftear,leftear
coords,x,y,x,y
labeled-data/m4s1/img0000.png,21.521,265.428,33.819,265.941
labeled-data/m4s1/img0017.png,,,19.984,250.05599999999998
labeled-data/m4s1/img0002.png,87.11,152.69799999999998,1,2
X
cat > "$c/labels3idx" <<'X'
scorer,,,Daniel,Daniel,Daniel,Daniel
individuals,,,bird1,bird1,bird2,bird2
bodyparts,,,head,head,head,head
coords,,,x,y,x,y
labeled-data,video1,img001.png,1.5,2.5,,
labeled-data,video1,img002.png,3.5,4.5,5,6
X
cat > "$c/prefixed" <<'X'
scorer,S,S,S,S,S,S
bodyparts,B_nose,B_nose,B_nose,W_nose,W_nose,W_nose
coords,x,y,likelihood,x,y,likelihood
0,1,2,0.9,3,4,0.8
1,0.0,0.0,0.0,3,4,0.8
X
printf 'scorer,S,S\r\nbodyparts,"a,b","a,b"\r\ncoords,x,y\r\n0,1e3,"2"\r\n1,-0.5,+7\r\n' \
    > "$c/crlf-quoted"

c=$D/csv-sleap
cat > "$c/tracked" <<'X'
track,frame_idx,instance.score,A.x,A.y,A.score,B.x,B.y,B.score
track_0,3,0.95,205.9300539013689,187.88964024221963,0.9,278.63521449272383,203.3658657346604,0.8
track_1,3,0.5,1,2,0.3,,,
track_0,1,0.7,10,20,1,30,40,1
,2,nan,5,6,,7,8,
X
cp /dev/null "$c/empty"
printf 'track,frame_idx,instance.score,A.x,A.y,A.score\n,0,nan,1.5,2.5,\n' \
    > "$c/one"

c=$D/csv-anipose
cat > "$c/pose3d" <<'X'
nose_x,nose_y,nose_z,nose_error,nose_ncams,nose_score,paw_x,paw_y,paw_z,paw_error,paw_ncams,paw_score,M_00,M_01,M_02,M_10,M_11,M_12,M_20,M_21,M_22,center_0,center_1,center_2,fnum
1.5,2.5,3.5,0.1,2,0.9,,,,,,,1,0,0,0,1,0,0,0,1,0,0,0,0
1.6,2.6,3.6,0.2,3,0.8,4,5,6,0.3,2,0.7,1,0,0,0,1,0,0,0,1,0,0,0,1
nan,nan,nan,nan,0,,4.1,5.1,6.1,0.3,2,,1,0,0,0,1,0,0,0,1,0,0,0,7
X

# .npy: hand-made (version 1 and 3 headers) and, with numpy, every dtype.
n=$D/npy
printf '\223NUMPY\001\000\066\000{'"'"'descr'"'"': '"'"'<f8'"'"', '"'"'fortran_order'"'"': False, '"'"'shape'"'"': (1,), }    \n\000\000\000\000\000\000\360\077' \
    > "$n/v1-f8"
printf '\223NUMPY\003\000\064\000\000\000{'"'"'descr'"'"': '"'"'|u1'"'"', '"'"'fortran_order'"'"': True, '"'"'shape'"'"': (2, 1), }  \n\001\377' \
    > "$n/v3-u1"
PY=$(scripts/find-python 2>/dev/null || true)
if [ -n "$PY" ]; then
	"$PY" - "$n" <<'PY'
import sys
import numpy as np
from numpy.lib import format as F
d = sys.argv[1]
arrs = {
    "f8": np.array([[1.5, np.inf], [np.nan, -2.0]]),
    "f4be": np.arange(6, dtype=">f4").reshape(2, 3),
    "i2": np.array([-3, 7], dtype="<i2"),
    "u4": np.array([4000000000], dtype="<u4"),
    "i8be": np.array([[-1], [2]], dtype=">i8"),
    "bool": np.array([True, False, True]),
    "fortran": np.asfortranarray(np.arange(24.0).reshape(2, 3, 4)),
    "scalar": np.array(25.0),
    "empty": np.zeros((0, 3)),
}
for k, a in arrs.items():
    with open("%s/np-%s" % (d, k), "wb") as f:
        np.save(f, a)
with open("%s/np-v2" % d, "wb") as f:
    F.write_array(f, np.arange(3.0), version=(2, 0))
PY
fi
