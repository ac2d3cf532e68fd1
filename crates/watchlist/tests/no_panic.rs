//! Arbitrary bytes never make an importer panic (the fuzz targets in `fuzz/` do the same
//! with coverage guidance; this runs on stable in CI).

use guomen_watchlist::{Format, ImportInput, ListKind, import};
use proptest::prelude::*;

fn run(format: Format, main: &[u8], alt: Option<&[u8]>) {
    let mut input = ImportInput::new(main);
    if let Some(alt) = alt {
        input = input.with_alt(alt);
    }
    // Errors are fine; panics are not.
    let _ = import(format, input, ListKind::Wanted, &mut |_| {});
}

/// Bytes biased towards each format's syntax, so that inputs get past the first check.
fn near(format: Format) -> impl Strategy<Value = Vec<u8>> {
    let pieces: &'static [&'static str] = match format {
        Format::Csv => &[
            "id,list,name,aliases,birth_date,sex,nationality,document_number,document_country,reason,action,face_template\n",
            ",",
            "\"",
            "\n",
            "\r\n",
            "|",
            "1980-02-29",
            "MNG",
            "wanted",
            "M",
            "Бат",
            "😀",
            "1e40",
            "NaN",
            "x",
        ],
        Format::OfacSdn => &[
            "1,\"DOE, John\",\"individual\",",
            "-0- ",
            ",",
            "\"",
            "\n",
            "DOB 01 Feb 1950; ",
            "DOB 1940 to 2000; ",
            "Passport ",
            "(Iran)",
            "nationality Korea, North; ",
            "a.k.a. '",
            "\u{1a}",
            "\u{ff}",
            "circa ",
            "alt. ",
        ],
        Format::UnXml => &[
            "<CONSOLIDATED_LIST>",
            "<INDIVIDUALS>",
            "<INDIVIDUAL>",
            "</INDIVIDUAL>",
            "<FIRST_NAME>",
            "</FIRST_NAME>",
            "<REFERENCE_NUMBER>Q.1</REFERENCE_NUMBER>",
            "<INDIVIDUAL_DATE_OF_BIRTH>",
            "<DATE>",
            "1999-02-30",
            "</DATE>",
            "<YEAR>",
            "<TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE>",
            "<FROM_YEAR>0</FROM_YEAR>",
            "&amp;",
            "&bogus;",
            "<![CDATA[x]]>",
            "<!-- -->",
            "/>",
            "<",
            ">",
            "é",
        ],
    };
    prop::collection::vec(
        prop_oneof![
            prop::sample::select(pieces).prop_map(|s| s.as_bytes().to_vec()),
            prop::collection::vec(any::<u8>(), 0..8),
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn csv_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512), shaped in near(Format::Csv)) {
        run(Format::Csv, &bytes, None);
        run(Format::Csv, &shaped, None);
    }

    #[test]
    fn ofac_never_panics(sdn in near(Format::OfacSdn), alt in near(Format::OfacSdn), raw in prop::collection::vec(any::<u8>(), 0..512)) {
        run(Format::OfacSdn, &sdn, Some(&alt));
        run(Format::OfacSdn, &raw, None);
    }

    #[test]
    fn un_xml_never_panics(shaped in near(Format::UnXml), raw in prop::collection::vec(any::<u8>(), 0..512)) {
        run(Format::UnXml, &shaped, None);
        run(Format::UnXml, &raw, None);
    }

    #[test]
    fn ofac_remarks_never_panic(remarks in ".{0,300}") {
        let _ = guomen_watchlist::ofac::parse_remarks(&remarks);
        let _ = guomen_watchlist::country::country_code(&remarks);
    }
}
