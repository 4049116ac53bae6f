//! Which WebGPU adapter "auto" takes. A software adapter (SwiftShader,
//! llvmpipe, WARP: a GPU emulated on the CPU) trains orders of magnitude
//! slower than the CPU backend, so "auto" passes over it and says why;
//! choosing WebGPU explicitly still uses it. Pure, tested natively; the
//! browser is asked in `dom::webgpu_adapter`.

/// The browser's WebGPU adapter as it describes itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdapterInfo {
    /// The browser's own flag for an adapter that falls short of a real GPU.
    pub fallback: bool,
    pub vendor: String,
    pub architecture: String,
    pub device: String,
    pub description: String,
}

impl AdapterInfo {
    /// The adapter's name for people: its fields that say something.
    pub fn name(&self) -> String {
        let parts: Vec<&str> = [
            &self.description,
            &self.vendor,
            &self.architecture,
            &self.device,
        ]
        .into_iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
        if parts.is_empty() {
            "an unnamed adapter".into()
        } else {
            parts.join(" ")
        }
    }

    /// Whether it is a GPU emulated on the CPU: the browser's fallback
    /// flag, or a known software rasteriser's name.
    pub fn is_software(&self) -> bool {
        const SOFTWARE: [&str; 6] = [
            "swiftshader",
            "llvmpipe",
            "lavapipe",
            "softpipe",
            "microsoft basic render",
            "software",
        ];
        let name = self.name().to_lowercase();
        self.fallback || SOFTWARE.iter().any(|s| name.contains(s))
    }
}

/// In "auto": why the CPU is chosen over this adapter, or `None` to take
/// WebGPU.
pub fn pass_over(adapter: Option<&AdapterInfo>) -> Option<String> {
    match adapter {
        None => Some("this browser gives no WebGPU adapter".into()),
        Some(a) if a.is_software() => Some(format!(
            "WebGPU's only adapter here is software ({}), a GPU emulated on the CPU and \
                 far slower than the CPU backend; choose WebGPU to use it anyway",
            a.name()
        )),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_never_takes_a_software_adapter() {
        let swiftshader = AdapterInfo {
            vendor: "google".into(),
            architecture: "swiftshader".into(),
            ..AdapterInfo::default()
        };
        let why = pass_over(Some(&swiftshader)).unwrap();
        assert!(why.contains("software (google swiftshader)"), "{why}");
        let flagged = AdapterInfo {
            fallback: true,
            vendor: "acme".into(),
            ..AdapterInfo::default()
        };
        assert!(pass_over(Some(&flagged)).is_some());
        for name in [
            "llvmpipe (LLVM 15.0.6, 256 bits)",
            "Microsoft Basic Render Driver",
        ] {
            let a = AdapterInfo {
                description: name.into(),
                ..AdapterInfo::default()
            };
            assert!(a.is_software(), "{name}");
        }
        let nvidia = AdapterInfo {
            vendor: "nvidia".into(),
            architecture: "hopper".into(),
            ..AdapterInfo::default()
        };
        assert_eq!(pass_over(Some(&nvidia)), None);
        // An adapter that says nothing of itself is taken as a GPU.
        assert_eq!(pass_over(Some(&AdapterInfo::default())), None);
        assert!(pass_over(None).is_some());
    }
}
