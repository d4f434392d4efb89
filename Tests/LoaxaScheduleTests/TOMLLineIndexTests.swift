import Testing
@testable import LoaxaSchedule

@Suite struct TOMLLineIndexTests {
    @Test func tablesKeysAndArraysOfTables() {
        let index = TOMLLineIndex(text: """
            # a comment = not a key
            top = 1
            [station]
            name = "x"   # trailing = comment

            [[block]]
            id = "a"
            [[block]]
            id = "b"
            start = 06:00:00
            """)
        #expect(index.line(of: "top") == 2)
        #expect(index.line(of: "station") == 3)
        #expect(index.line(of: "station.name") == 4)
        #expect(index.line(of: "block") == 6)
        #expect(index.line(of: "block[0]") == 6)
        #expect(index.line(of: "block[0].id") == 7)
        #expect(index.line(of: "block[1]") == 8)
        #expect(index.line(of: "block[1].id") == 9)
        #expect(index.line(of: "block[1].start") == 10)
        #expect(index.line(of: "a") == nil)
        #expect(index.line(of: "not") == nil)
    }

    @Test func multiLineArrayOfInlineTables() {
        let index = TOMLLineIndex(text: """
            [[block]]
            id = "sang"
            items = [
              { file = "jingles/mo-dau.ogg" },   # the opening
              { queue = true },
              # { file = "commented.ogg" },
              { topic = "giam-ngheo", count = 2 }, { file = "b.ogg" },
              {
                file = "spread.ogg" },
            ]
            days = ["mon",
               "tue"]
            """)
        #expect(index.line(of: "block[0].items") == 3)
        #expect(index.line(of: "block[0].items[0]") == 4)
        #expect(index.line(of: "block[0].items[0].file") == 4)
        #expect(index.line(of: "block[0].items[1].queue") == 5)
        #expect(index.line(of: "block[0].items[2].topic") == 7)
        #expect(index.line(of: "block[0].items[2].count") == 7)
        #expect(index.line(of: "block[0].items[3].file") == 7)
        #expect(index.line(of: "block[0].items[4]") == 8)
        #expect(index.line(of: "block[0].items[4].file") == 9)
        #expect(index.line(of: "block[0].items[5]") == nil)
        #expect(index.line(of: "block[0].days[0]") == 11)
        #expect(index.line(of: "block[0].days[1]") == 12)
    }

    @Test func stringsHoldingCommentsBracketsAndQuotes() {
        let index = TOMLLineIndex(text: #"""
            a = "x # not a comment ] } ["
            b = 'C:\path # also = not'
            c = "quote \" then # and ]"
            d = """
            multi = line
            [not.a.table]
            """
            e = '''
            ] # '' ' still inside
            '''
            f = 2
            "quoted key" = 1
            'lit.key' = 2
            "esc\"aped" = 3
            """#)
        #expect(index.line(of: "a") == 1)
        #expect(index.line(of: "b") == 2)
        #expect(index.line(of: "c") == 3)
        #expect(index.line(of: "d") == 4)
        #expect(index.line(of: "multi") == nil)
        #expect(index.line(of: "not") == nil)
        #expect(index.line(of: "e") == 8)
        #expect(index.line(of: "f") == 11)
        #expect(index.line(of: "\"quoted key\"") == 12)
        #expect(index.line(of: "\"lit.key\"") == 13)
        #expect(index.line(of: #""esc\"aped""#) == 14)
    }

    @Test func dottedKeysAndDottedHeaders() {
        let index = TOMLLineIndex(text: """
            site.name = "x"
            site . "dot.ted" . deep = 1
            [a.b]
            c.d = 2
            [[a.list]]
            e = 3
            [a.list.sub]
            f = 4
            [[a.list]]
            e = 5
            inline = { g.h = 6, i = { j = 7 } }
            """)
        #expect(index.line(of: "site") == 1)
        #expect(index.line(of: "site.name") == 1)
        #expect(index.line(of: "site.\"dot.ted\".deep") == 2)
        #expect(index.line(of: "a.b") == 3)
        #expect(index.line(of: "a.b.c.d") == 4)
        #expect(index.line(of: "a.list[0].e") == 6)
        #expect(index.line(of: "a.list[0].sub") == 7)
        #expect(index.line(of: "a.list[0].sub.f") == 8)
        #expect(index.line(of: "a.list[1].e") == 10)
        #expect(index.line(of: "a.list[1].inline.g.h") == 11)
        #expect(index.line(of: "a.list[1].inline.i.j") == 11)
    }

    @Test func nestedArrays() {
        let index = TOMLLineIndex(text: """
            m = [
              [1, 2],
              [
                3,
                [4, { k = "v]" }],
              ],
            ]
            after = true
            """)
        #expect(index.line(of: "m[0]") == 2)
        #expect(index.line(of: "m[0][1]") == 2)
        #expect(index.line(of: "m[1]") == 3)
        #expect(index.line(of: "m[1][0]") == 4)
        #expect(index.line(of: "m[1][1][1].k") == 5)
        #expect(index.line(of: "after") == 8)
    }

    @Test func nearestLineFallsBackToTheEnclosingTable() {
        let index = TOMLLineIndex(text: "\n[[block]]\nid = \"x\"\n")
        let path = TOMLKeyPath.root.appending("block").appending(index: 0).appending("start")
        #expect(path.description == "block[0].start")
        #expect(index.nearestLine(of: path) == 2)
        #expect(index.nearestLine(of: TOMLKeyPath.root.appending("station").appending("name")) == 0)
    }

    @Test func survivesBrokenText() {
        // Unterminated strings, arrays and tables: no hang, no crash, earlier keys kept.
        for text in ["a = 1\nb = \"open", "a = 1\nb = [1, 2", "a = 1\nb = { c = ", "a = 1\n[[", "a = 1\n= 3\n]]]", "a = 1\nb = '''x"] {
            let index = TOMLLineIndex(text: text)
            #expect(index.line(of: "a") == 1)
        }
    }

    @Test func crlfLineEndingsAndByteOrderMark() {
        let index = TOMLLineIndex(text: "\u{FEFF}a = 1\r\n\r\n[t]\r\nb = 2\r\n")
        #expect(index.line(of: "a") == 1)
        #expect(index.line(of: "t.b") == 4)
    }
}
