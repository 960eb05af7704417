"""`streetorder watch --engine ray`: one actor per camera on a Ray cluster.

Only ``cluster`` and ``engine`` import Ray; the worker, its status, restart pacing, replay
guard and reload diff are plain Python and run (and are tested) without it.
"""
