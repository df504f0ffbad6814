#!/usr/bin/python3
"""A live RTSP test camera for Camplane's tests: GStreamer's RTSP server on loopback.

Mounts (all 640x360@25 H.264 constrained baseline but /small, a moving picture
with the camera's wall clock burnt in, as a real camera's on-screen time):
  /cam1    video only, keyframe every --gop frames (default 25 = 1 s)
  /cam2    video only, pattern=ball, keyframe every 250 frames (10 s)
  /cam3    video + AAC mono 48 kHz
  /small   as /cam1 at 320x180: a camera's low-resolution sub-stream
  /secure  video only, basic auth --user/--password (default admin/s3cret)
  /mjpeg   MJPEG only, 10 fps (which HLS can't carry)
  /flash   black or white, switching every 3 s, for glass-to-glass latency:
           each switch prints `FLIP <unix ms> <white|black>` as it is made

Prints `READY port=<port>` once serving. Exits on SIGTERM/SIGINT and when stdin
reaches EOF, so a test that dies (closing the pipe) takes its camera with it.

Run it with /usr/bin/python3 (Debian's, which has `gi`), not a pyenv python.
See scripts/install-deps.sh for the packages it needs.
"""

import argparse
import os
import signal
import sys
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

# One slice per frame, as most cameras send: zerolatency's sliced threads
# would split each frame into several.
VIDEO = (
    "videotestsrc is-live=true pattern={pattern} ! video/x-raw,width=640,height=360,framerate=25/1 ! "
    "clockoverlay time-format=\"%H:%M:%S\" halignment=right valignment=bottom font-desc=\"Sans 20\" ! "
    "x264enc tune=zerolatency speed-preset=ultrafast key-int-max={gop} bitrate=800 sliced-threads=false ! "
    "video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=-1"
)
# What a camera's sub-stream sends: the same picture, smaller.
SMALL = VIDEO.replace("width=640,height=360", "width=320,height=180")
# A picture that is all black or all white, switched at known instants; the
# clock keeps it a real, changing video between switches.
FLASH = (
    "videotestsrc name=flash is-live=true pattern=black ! video/x-raw,width=640,height=360,framerate=25/1 ! "
    "clockoverlay time-format=\"%H:%M:%S\" halignment=right valignment=bottom ! "
    "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 bitrate=800 sliced-threads=false ! "
    "video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=-1"
)
FLIP_EVERY_MS = 3000

# What old cameras send, and HLS can't carry.
MJPEG = (
    "videotestsrc is-live=true pattern=ball ! video/x-raw,format=I420,width=640,height=360,framerate=10/1 ! "
    "jpegenc quality=60 ! rtpjpegpay name=pay0 pt=26"
)
AAC = (
    "audiotestsrc is-live=true wave=sine ! audio/x-raw,rate=48000,channels=1 ! "
    "avenc_aac ! rtpmp4gpay name=pay1 pt=97"
)

# Once the server has an RTSPAuth, a factory without roles is invisible (404) to
# everyone, so every factory gets a role for "anonymous".
OPEN = "anonymous, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"
# On /secure, anonymous may "access" but not "construct": the server answers 401,
# which is what makes ffmpeg send its credentials at all (a 404 would not).
ANON_SECURE = "anonymous, media.factory.access=(boolean)true, media.factory.construct=(boolean)false"
USER_SECURE = "user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"


def factory(launch, *roles):
    f = GstRtspServer.RTSPMediaFactory()
    f.set_launch("( " + launch + " )")
    # One pipeline per mount however many clients, like a real camera.
    f.set_shared(True)
    # Without this, every PLAY (ffmpeg sends Range: npt=0-) seeks the shared
    # pipeline back to 0: every joiner gets an instant keyframe and the other
    # viewers' timestamps jump. With it the media is not seekable, so joiners
    # wait for the next real keyframe, as with a real camera.
    f.set_publish_clock_mode(GstRtspServer.RTSPPublishClockMode.CLOCK_AND_OFFSET)
    for role in roles:
        f.add_role_from_structure(Gst.Structure.from_string(role)[0])
    return f


def flipping(f):
    """Switches the /flash picture every FLIP_EVERY_MS while the media runs."""

    def configure(_factory, media):
        source = media.get_element().get_by_name("flash")
        state = {"white": False}

        def flip():
            if media.get_status() == GstRtspServer.RTSPMediaStatus.UNPREPARED:
                return False
            state["white"] = not state["white"]
            # videotestsrc's patterns: 2 is black, 3 is white.
            source.set_property("pattern", 3 if state["white"] else 2)
            color = "white" if state["white"] else "black"
            print(f"FLIP {round(time.time() * 1000)} {color}", flush=True)
            return True

        GLib.timeout_add(FLIP_EVERY_MS, flip)

    f.connect("media-configure", configure)
    return f


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8554, help="0 picks a free port (see the READY line)")
    parser.add_argument("--gop", type=int, default=25, help="keyframe interval of /cam1, in frames")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="s3cret")
    args = parser.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    # "0" lets the kernel pick the port; reading it back after attach avoids
    # the race of probing for a free port and binding it later.
    server.set_service(str(args.port))

    auth = GstRtspServer.RTSPAuth()
    user = GstRtspServer.RTSPToken()
    user.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "user")
    auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password), user)
    anonymous = GstRtspServer.RTSPToken()
    anonymous.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "anonymous")
    auth.set_default_token(anonymous)
    server.set_auth(auth)

    mounts = server.get_mount_points()
    mounts.add_factory("/cam1", factory(VIDEO.format(pattern="ball", gop=args.gop), OPEN))
    mounts.add_factory("/cam2", factory(VIDEO.format(pattern="ball", gop=250), OPEN))
    mounts.add_factory("/cam3", factory(VIDEO.format(pattern="ball", gop=25) + " " + AAC, OPEN))
    mounts.add_factory("/small", factory(SMALL.format(pattern="ball", gop=25), OPEN))
    mounts.add_factory("/secure", factory(VIDEO.format(pattern="ball", gop=25), ANON_SECURE, USER_SECURE))
    mounts.add_factory("/mjpeg", factory(MJPEG, OPEN))
    mounts.add_factory("/flash", flipping(factory(FLASH, OPEN)))

    if server.attach(None) == 0:
        sys.exit(f"test_camera: cannot listen on 127.0.0.1:{args.port}")

    loop = GLib.MainLoop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, signum, loop.quit)

    def on_stdin(fd, _condition):
        # EOF (or a hang-up) means the parent is gone or wants us gone. Any
        # bytes it writes are ignored.
        try:
            data = os.read(fd, 4096)
        except OSError:
            data = b""
        if not data:
            loop.quit()
            return False
        return True

    GLib.io_add_watch(sys.stdin.fileno(), GLib.PRIORITY_DEFAULT, GLib.IO_IN | GLib.IO_HUP | GLib.IO_ERR, on_stdin)

    print(f"READY port={server.get_bound_port()}", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
