import Foundation

/// The small XML parts of an XLSX package, other than the sheets and styles.
///
/// They tie the package together (content types and relationships), list the sheets, and
/// carry the document properties a file manager or Excel's "Info" pane shows. Templates are
/// written one element a line for reading, and joined into one line for the file.
enum PackageParts {
    static let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    static let mainNamespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let relationshipsNamespace = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    private static let packageRelationships = "http://schemas.openxmlformats.org/package/2006/relationships"
    private static let officeDocument = "application/vnd.openxmlformats-officedocument."

    /// `template` without its line breaks.
    static func compact(_ template: String) -> String {
        template.replacingOccurrences(of: "\n", with: "")
    }

    /// The path inside the package of the `number`th sheet (from 1).
    static func sheetPath(_ number: Int) -> String { "xl/worksheets/sheet\(number).xml" }

    /// [Content_Types].xml: the type of every part.
    static func contentTypes(sheetCount: Int) -> String {
        let sheets = (1..<(sheetCount + 1)).map { number in
            #"<Override PartName="/\#(sheetPath(number))" ContentType="\#(officeDocument)spreadsheetml.worksheet+xml"/>"#
        }
        return declaration
            + compact(
                #"""
                <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
                <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
                <Default Extension="xml" ContentType="application/xml"/>
                <Override PartName="/xl/workbook.xml" ContentType="\#(officeDocument)spreadsheetml.sheet.main+xml"/>
                \#(sheets.joined())
                <Override PartName="/xl/styles.xml" ContentType="\#(officeDocument)spreadsheetml.styles+xml"/>
                <Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
                <Override PartName="/docProps/app.xml" ContentType="\#(officeDocument)extended-properties+xml"/>
                </Types>
                """#)
    }

    /// _rels/.rels: where the workbook and the document properties are.
    static let rootRelationships =
        declaration
        + compact(
            #"""
            <Relationships xmlns="\#(packageRelationships)">
            <Relationship Id="rId1" Type="\#(relationshipsNamespace)/officeDocument" Target="xl/workbook.xml"/>
            <Relationship Id="rId2" Type="\#(packageRelationships)/metadata/core-properties" Target="docProps/core.xml"/>
            <Relationship Id="rId3" Type="\#(relationshipsNamespace)/extended-properties" Target="docProps/app.xml"/>
            </Relationships>
            """#)

    /// docProps/core.xml: title, author and creation time.
    static func coreProperties(title: String?, creator: String, created: Date) -> String {
        let time = w3cdtf(created)
        let title = title.map { "<dc:title>\(XMLText.escaped(XMLText.normalized($0), in: .element))</dc:title>" }
        return declaration
            + compact(
                #"""
                <cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
                 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
                 xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
                \#(title ?? "")
                <dc:creator>\#(XMLText.escaped(XMLText.normalized(creator), in: .element))</dc:creator>
                <dcterms:created xsi:type="dcterms:W3CDTF">\#(time)</dcterms:created>
                <dcterms:modified xsi:type="dcterms:W3CDTF">\#(time)</dcterms:modified>
                </cp:coreProperties>
                """#)
    }

    /// docProps/app.xml: the application and the sheets' names, as Excel lists them.
    static func appProperties(sheetNames: [String]) -> String {
        let names = sheetNames.map { "<vt:lpstr>\(XMLText.escaped($0, in: .element))</vt:lpstr>" }
        return declaration
            + compact(
                #"""
                <Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
                 xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">
                <Application>Loaxa</Application>
                <HeadingPairs><vt:vector size="2" baseType="variant">
                <vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant>
                <vt:variant><vt:i4>\#(sheetNames.count)</vt:i4></vt:variant>
                </vt:vector></HeadingPairs>
                <TitlesOfParts><vt:vector size="\#(sheetNames.count)" baseType="lpstr">\#(names.joined())</vt:vector></TitlesOfParts>
                </Properties>
                """#)
    }

    /// xl/workbook.xml: the sheets in order, the first one open.
    static func workbook(sheetNames: [String]) -> String {
        let sheets = sheetNames.enumerated().map { offset, name in
            #"<sheet name="\#(XMLText.escaped(name, in: .attribute))" sheetId="\#(offset + 1)" r:id="rId\#(offset + 1)"/>"#
        }
        return declaration
            + compact(
                #"""
                <workbook xmlns="\#(mainNamespace)" xmlns:r="\#(relationshipsNamespace)">
                <bookViews><workbookView activeTab="0"/></bookViews>
                <sheets>\#(sheets.joined())</sheets>
                </workbook>
                """#)
    }

    /// xl/_rels/workbook.xml.rels: where each sheet and the styles are.
    static func workbookRelationships(sheetCount: Int) -> String {
        let sheets = (1..<(sheetCount + 1)).map { number in
            #"<Relationship Id="rId\#(number)" Type="\#(relationshipsNamespace)/worksheet" Target="worksheets/sheet\#(number).xml"/>"#
        }
        return declaration
            + compact(
                #"""
                <Relationships xmlns="\#(packageRelationships)">
                \#(sheets.joined())
                <Relationship Id="rId\#(sheetCount + 1)" Type="\#(relationshipsNamespace)/styles" Target="styles.xml"/>
                </Relationships>
                """#)
    }

    /// `date` as W3CDTF in UTC to the second, e.g. 2024-05-19T10:30:00Z.
    static func w3cdtf(_ date: Date) -> String {
        let parts = utc(date)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))"
            + "T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }

    /// The calendar fields of `date` in UTC, to the second.
    static func utc(_ date: Date) -> tm {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return parts
    }
}
