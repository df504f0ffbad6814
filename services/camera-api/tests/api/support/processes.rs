//! The ffmpeg and ffprobe a test's service runs, made traceable: each test
//! gets its own wrapper scripts that log every start and keep their own path
//! as `argv[0]`, so the test can count the processes its service started and
//! find any still running, without mistaking those of tests running beside it.

use std::path::{Path, PathBuf};
use std::time::Duration;

pub struct MediaTools {
    dir: PathBuf,
}

const TOOLS: [&str; 2] = ["ffmpeg", "ffprobe"];

impl MediaTools {
    pub fn install() -> MediaTools {
        let dir = std::env::temp_dir().join(format!("camplane-media-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        for tool in TOOLS {
            let real = find_on_path(tool)
                .unwrap_or_else(|| panic!("{tool} is not installed; run scripts/install-deps.sh"));
            let script = format!(
                "#!/bin/bash\necho \"$$\" >> \"$0.starts\"\necho \"$*\" >> \"$0.args\"\nexec -a \"$0\" {} \"$@\"\n",
                real.display()
            );
            let path = dir.join(tool);
            std::fs::write(&path, script).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        MediaTools { dir }
    }

    pub fn path(&self, tool: &str) -> String {
        self.dir.join(tool).display().to_string()
    }

    /// How many times the service started `tool`.
    pub fn starts(&self, tool: &str) -> usize {
        std::fs::read_to_string(self.dir.join(format!("{tool}.starts")))
            .map_or(0, |text| text.lines().count())
    }

    /// The arguments of the latest start of `tool`.
    pub fn last_args(&self, tool: &str) -> Vec<String> {
        std::fs::read_to_string(self.dir.join(format!("{tool}.args")))
            .unwrap_or_default()
            .lines()
            .last()
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    }

    /// Pids of this test's ffmpeg/ffprobe processes still alive (zombies
    /// have no command line, so a killed but unreaped one doesn't count).
    pub fn running(&self) -> Vec<u32> {
        let prefix = self.dir.display().to_string();
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                cmdline.starts_with(prefix.as_bytes())
            })
            .collect()
    }

    /// Every process the service started has ended (they get a moment to die).
    pub async fn assert_none_running(&self) {
        let mut running = self.running();
        for _ in 0..60 {
            if running.is_empty() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            running = self.running();
        }
        panic!("ffmpeg/ffprobe processes left running: {running:?}");
    }
}

impl Drop for MediaTools {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(name))
        .find(|path| Path::new(path).is_file())
}
