//! The closed choices of the command line as `clap::ValueEnum`s, so that `--help` lists them and
//! a wrong value is refused with the list. Matching ignores case; the other spellings the
//! library's parsers accept stay working as aliases. Each choice hands the library its name.
use clap::ValueEnum;

/// The name the library's settings parser takes (`TrainConfig::set`, `Task::parse`, ...).
pub trait Setting {
    fn setting(&self) -> &'static str;
}

macro_rules! setting {
    ($t:ty { $($v:ident => $s:literal),* $(,)? }) => {
        impl Setting for $t {
            fn setting(&self) -> &'static str {
                match self { $(<$t>::$v => $s),* }
            }
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TaskArg {
    /// Mass vs calcification (seed §3.1).
    #[value(name = "mass-calc", alias = "mass_calc")]
    MassCalc,
    /// Benign vs malignant (seed §3.2).
    #[value(name = "benign-malignant", alias = "benign_malignant")]
    BenignMalignant,
    /// (baseline, abnormality) pairs, mass vs calcification (seed §6).
    Siamese,
    /// The four labels (mass/calcification x benign/malignant).
    #[value(name = "four-class", alias = "four_class")]
    FourClass,
    /// The classes of a labelled-image dataset (`mammo import folder`), as they are.
    Labels,
}
setting!(TaskArg { MassCalc => "mass-calc", BenignMalignant => "benign-malignant", Siamese => "siamese", FourClass => "four-class", Labels => "labels" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelArg {
    /// The CNN from scratch (seed §4).
    #[value(alias = "cnn")]
    Scratch,
    /// The Siamese network (seed §6; task siamese).
    Siamese,
    /// Frozen VGG16 with an MLP head (seed §5).
    #[value(alias = "vgg-16")]
    Vgg16,
    /// Frozen InceptionV3 with an MLP head (seed §5).
    #[value(name = "inception-v3", aliases = ["inceptionv3", "inception", "inception_v3"])]
    InceptionV3,
}
setting!(ModelArg { Scratch => "scratch", Siamese => "siamese", Vgg16 => "vgg16", InceptionV3 => "inception-v3" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OptimizerArg {
    Adam,
    #[value(name = "rmsprop")]
    RmsProp,
    Sgd,
}
setting!(OptimizerArg { Adam => "adam", RmsProp => "rmsprop", Sgd => "sgd" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AdapterArg {
    /// Copy the gray channel three times.
    Replicate,
    /// A trainable 1x1 convolution to three channels (the seed's).
    #[value(alias = "conv")]
    Conv1x1,
}
setting!(AdapterArg { Replicate => "replicate", Conv1x1 => "conv1x1" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CutArg {
    /// The whole feature extractor (both backbones).
    Top,
    /// VGG16 without its last block (after features.23; the seed's "top+1").
    Block5,
    /// InceptionV3 at Mixed_7a.
    #[value(name = "top+1")]
    Top1,
    /// InceptionV3 at Mixed_6e.
    #[value(name = "top+2")]
    Top2,
}
setting!(CutArg { Top => "top", Block5 => "block5", Top1 => "top+1", Top2 => "top+2" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BalanceArg {
    /// Train on the classes as they are.
    None,
    /// Oversample the smaller classes.
    #[value(alias = "oversample")]
    Over,
    /// Undersample the larger classes.
    #[value(alias = "undersample")]
    Under,
}
setting!(BalanceArg { None => "none", Over => "over", Under => "under" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileArg {
    /// Tests: tiny data, 1-2 epochs.
    Smoke,
    /// The CPU demo.
    Quick,
    /// The seed's sizes (a GPU).
    Full,
}
setting!(ProfileArg { Smoke => "smoke", Quick => "quick", Full => "full" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PrecisionArg {
    /// bf16 on a CPU with bf16 units, else fp32 (`mammo doctor` says which).
    Auto,
    /// float32 everywhere.
    Fp32,
    /// bf16 compute, fp32 master weights.
    Bf16,
}
setting!(PrecisionArg { Auto => "auto", Fp32 => "fp32", Bf16 => "bf16" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SetArg {
    Validation,
    Test,
}
setting!(SetArg { Validation => "validation", Test => "test" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackboneArg {
    #[value(alias = "vgg-16")]
    Vgg16,
    #[value(name = "inception-v3", aliases = ["inceptionv3", "inception", "inception_v3"])]
    InceptionV3,
}
setting!(BackboneArg { Vgg16 => "vgg16", InceptionV3 => "inception-v3" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchWhat {
    /// The scratch CNN's training and inference throughput.
    Scratch,
    /// VGG16 feature extraction (--precision: fp32 or bf16).
    Vgg16,
    /// InceptionV3 feature extraction (--precision: fp32 or bf16).
    #[value(name = "inception-v3", aliases = ["inceptionv3", "inception", "inception_v3"])]
    InceptionV3,
    /// The data path on --data, with peak memory.
    Data,
    /// Loading --data's train_tensor.npy.
    Npy,
    /// The machine's GEMM rate x the scratch CNN's FLOPs.
    Roofline,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every choice's setting is what the library's own parser accepts and prints back.
    #[test]
    fn every_choice_is_a_name_the_library_accepts() {
        for t in TaskArg::value_variants() {
            assert_eq!(mammo::Task::parse(t.setting()).unwrap().name(), t.setting());
        }
        for m in ModelArg::value_variants() {
            let k = mammo::train::config::ModelKind::parse(m.setting()).unwrap();
            assert_eq!(k.name(), m.setting());
        }
        for o in OptimizerArg::value_variants() {
            mammo::train::config::OptimizerKind::parse(o.setting()).unwrap();
        }
        for a in AdapterArg::value_variants() {
            assert_eq!(
                mammo::train::config::Adapter::parse(a.setting())
                    .unwrap()
                    .name(),
                a.setting()
            );
        }
        for b in BalanceArg::value_variants() {
            assert_eq!(
                mammo::Balance::parse(b.setting()).unwrap().name(),
                b.setting()
            );
        }
        for p in ProfileArg::value_variants() {
            assert_eq!(
                mammo::Profile::parse(p.setting()).unwrap().name(),
                p.setting()
            );
        }
        for p in PrecisionArg::value_variants() {
            mammo::runtime::precision::Precision::parse_setting(p.setting()).unwrap();
        }
        for b in BackboneArg::value_variants() {
            let k = mammo::models::backbones::BackboneKind::parse(b.setting()).unwrap();
            assert_eq!(k.name(), b.setting());
        }
        for c in CutArg::value_variants() {
            mammo::models::backbones::Cut::parse(c.setting()).unwrap();
        }
    }

    /// The old spellings still parse, in any case.
    #[test]
    fn old_spellings_and_case_are_accepted() {
        let t = |s: &str| TaskArg::from_str(s, true).unwrap();
        assert_eq!(t("mass_calc"), TaskArg::MassCalc);
        assert_eq!(t("Benign-Malignant"), TaskArg::BenignMalignant);
        let m = |s: &str| ModelArg::from_str(s, true).unwrap();
        assert_eq!(m("cnn"), ModelArg::Scratch);
        assert_eq!(m("InceptionV3"), ModelArg::InceptionV3);
        assert_eq!(m("inception"), ModelArg::InceptionV3);
        assert_eq!(m("VGG-16"), ModelArg::Vgg16);
        assert_eq!(
            BalanceArg::from_str("oversample", true).unwrap(),
            BalanceArg::Over
        );
        assert_eq!(
            AdapterArg::from_str("conv", true).unwrap(),
            AdapterArg::Conv1x1
        );
        assert_eq!(
            OptimizerArg::from_str("RMSprop", true).unwrap(),
            OptimizerArg::RmsProp
        );
        assert!(TaskArg::from_str("mass", true).is_err());
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ResizeArg {
    /// Nearest neighbour at pixel centres (the course's patches: blocky when enlarged).
    Nearest,
    /// Area averaging (anti-aliased when shrinking).
    Area,
}
setting!(ResizeArg { Nearest => "nearest", Area => "area" });
