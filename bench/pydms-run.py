"""Times pyDMS on the benchmark scene, for `npm run bench -- --pydms DIR` (full mode).

pyDMS (GPL-3.0, github.com/radosuav/pyDMS) is not part of this project: the caller passes a
checkout of it. Run with Debian's /usr/bin/python3 (python3-gdal, python3-sklearn, python3-numba,
python3-pyproj). Settings are pyDMS's own template (run_pyDMS.py): bagged decision trees with a
linear regression per leaf, a 15-pixel moving window, residual correction. The guides (NDVI, DEM at
250 m) are stacked into one VRT, the 1 km LST is the low-resolution input, one step 1 km -> 250 m.
Prints one JSON line: seconds (wall time of train + apply + residual correction + write) and
peakMemoryMB (the process's max resident set, as for srda-lst's full-tile row).
"""
import json
import os
import resource
import sys
import time

from osgeo import gdal

pydms_dir, scene_dir, lst_name, ndvi_name, dem_name, out_dir = sys.argv[1:7]
sys.path.insert(0, pydms_dir)
from pyDMS.pyDMS import DecisionTreeSharpener  # noqa: E402
import pyDMS.pyDMSUtils as utils  # noqa: E402

gdal.UseExceptions()
os.makedirs(out_dir, exist_ok=True)
high = os.path.join(out_dir, "guides.vrt")
gdal.BuildVRT(high, [os.path.join(scene_dir, ndvi_name), os.path.join(scene_dir, dem_name)], separate=True)
low = os.path.join(scene_dir, lst_name)
out = os.path.join(out_dir, "lst_pydms_250m.tif")

start = time.perf_counter()
sharpener = DecisionTreeSharpener(
    highResFiles=[high],
    lowResFiles=[low],
    lowResQualityFiles=[],
    lowResGoodQualityFlags=[],
    cvHomogeneityThreshold=0,
    movingWindowSize=15,
    disaggregatingTemperature=True,
    perLeafLinearRegression=True,
    linearRegressionExtrapolationRatio=0.25,
)
sharpener.trainSharpener()
downscaled = sharpener.applySharpener(high, low)
_, corrected = sharpener.residualAnalysis(downscaled, low, doCorrection=True)
result = corrected if corrected is not None else downscaled
utils.saveImg(result.GetRasterBand(1).ReadAsArray(), result.GetGeoTransform(), result.GetProjection(), out)
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peakMemoryMB": peak_mb, "output": out}))
